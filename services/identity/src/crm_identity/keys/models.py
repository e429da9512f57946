"""The keys that sign tokens. The private key never leaves this table (no response, event or
log carries it) and is stored sealed (``crm_identity.sealing``), never in clear; the JWKS
publishes the public half."""

from datetime import datetime

from crm_shared.db import UTCDateTime
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_identity.db import Base


class SigningKey(Base):
    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    # The PKCS#8 PEM, sealed with the secrets key (enc:v1:<key id>:...).
    sealed_private_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    activated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:  # no key material in logs or tracebacks
        return f"SigningKey(kid={self.kid!r}, retired_at={self.retired_at!r})"
