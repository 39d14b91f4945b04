import os

BOL_API_URL = os.getenv("BOL_API_URL", "https://api.bol.com/retailer")
BOL_TOKEN_URL = "https://login.bol.com/token"
BOL_CLIENT_ID = os.environ["BOL_CLIENT_ID"]
BOL_CLIENT_SECRET = os.environ["BOL_CLIENT_SECRET"]

# The v10 media type; older code in this repo still says v9 in places.
RETAILER_JSON = "application/vnd.retailer.v10+json"
