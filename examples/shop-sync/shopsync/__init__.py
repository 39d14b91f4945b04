"""shop-sync: keeps a web shop's orders and stock in step with bol.com (an example integration)."""
