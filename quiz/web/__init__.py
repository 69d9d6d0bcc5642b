"""The web layer: blueprints (pages and the JSON API), forms, error pages, payloads, access rules."""
