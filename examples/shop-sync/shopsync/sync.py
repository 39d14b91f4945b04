"""The nightly job: ship what the warehouse packed, push stock levels."""

from shopsync.bol_client import BolClient


def ship_packed(client: BolClient, packed):
    for parcel in packed:
        order = client.order(parcel["order_id"])
        for item in order["orderItems"]:
            client.ship(item["orderItemId"], parcel["carrier"], parcel["barcode"])


def push_stock(client: BolClient, levels):
    for offer_id, amount in levels.items():
        client.update_stock(offer_id, amount)


def main(packed, levels):
    client = BolClient()
    client.login()
    ship_packed(client, packed)
    push_stock(client, levels)
