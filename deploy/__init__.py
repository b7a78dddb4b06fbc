"""What the production layout needs besides the app: the nginx config and its filler."""
