"""The web page (index.html), shipped as package data."""
