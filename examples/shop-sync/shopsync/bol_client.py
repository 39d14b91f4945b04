"""A small bol.com Retailer API client, the way many integrations write one."""

import logging

import requests

from shopsync import settings

log = logging.getLogger(__name__)


class BolClient:
    def __init__(self, client_id=settings.BOL_CLIENT_ID, client_secret=settings.BOL_CLIENT_SECRET):
        self.client_id = client_id
        self.client_secret = client_secret
        self.base_url = settings.BOL_API_URL
        self.session = requests.Session()

    def login(self):
        self.session.headers.update({"Accept": settings.RETAILER_JSON})

    def _access_token(self):
        # A new token for every request: bol bans IPs that do this.
        response = requests.post(
            settings.BOL_TOKEN_URL,
            auth=(self.client_id, self.client_secret),
            data={"grant_type": "client_credentials"},
            headers={"Accept": "application/json"},
        )
        token = response.json()["access_token"]
        log.debug("got bol token %s", token)
        return token

    def _headers(self):
        return {"Authorization": f"Bearer {self._access_token()}"}

    def _request(self, method, path, **kwargs):
        url = f"{self.base_url}{path}"
        response = self.session.request(method, url, headers=self._headers(), **kwargs)
        response.raise_for_status()
        return response

    def open_orders(self):
        return self._request("GET", "/orders", params={"status": "OPEN"}).json()

    def order(self, order_id):
        return self._request("GET", f"/orders/{order_id}").json()

    def ship(self, order_item_id, transporter, track_and_trace):
        body = {
            "orderItems": [{"orderItemId": order_item_id}],
            "transport": {"transporterCode": transporter, "trackAndTrace": track_and_trace},
        }
        return self._request("POST", "/shipments", json=body).json()

    def update_stock(self, offer_id, amount):
        # Still on the retired v9 media type.
        return requests.put(
            f"{self.base_url}/offers/{offer_id}/stock",
            json={"amount": amount, "managedByRetailer": True},
            headers={
                "Accept": "application/vnd.retailer.v9+json",
                "Content-Type": "application/vnd.retailer.v9+json",
                "Authorization": f"Bearer {self._access_token()}",
            },
        )
