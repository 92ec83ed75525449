"""Stream settings, read from ``CREDITRISK_STREAM_*`` environment variables (never at import)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class StreamSettings(BaseSettings):
    """Where the feature events live and who reads them."""

    model_config = SettingsConfigDict(env_prefix="CREDITRISK_STREAM_", env_file=".env", extra="ignore")

    url: str = Field(default="redis://localhost:6379/0", description="Redis URL of the broker.")
    name: str = Field(default="creditrisk:feature-events", description="Stream (topic) name.")
    group: str = Field(default="creditrisk-online", description="Consumer group of the online store.")
    consumer: str = Field(
        default="consumer-1",
        description="This consumer's name in the group; a restarted consumer with the same name "
        "first re-reads the entries it had received but not acknowledged.",
    )
