"""Per-expert prompt variants (YAML); loaded by ``prompts``."""
