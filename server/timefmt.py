"""Times shown to people: the shared helper in ``models.timefmt`` (re-exported for server code)."""

from models.timefmt import FORMAT, labelled, local, to_utc_naive, zone_label, zone_name

__all__ = ["FORMAT", "labelled", "local", "to_utc_naive", "zone_label", "zone_name"]
