"""The closed vocabularies of the customer profile (domain §1-2)."""

from enum import StrEnum


class Source(StrEnum):
    WALK_IN = "walk_in"
    WEB = "web"
    REFERRAL = "referral"
    CAMPAIGN = "campaign"
    PARTNER = "partner"
    IMPORT = "import"


class AreaType(StrEnum):
    URBAN = "urban"
    SUBURBAN = "suburban"
    RURAL = "rural"


class UsageRate(StrEnum):
    NONE = "none"
    LIGHT = "light"
    MEDIUM = "medium"
    HEAVY = "heavy"


class BrandLoyalty(StrEnum):
    NONE = "none"
    MEDIUM = "medium"
    STRONG = "strong"
    ABSOLUTE = "absolute"


class UserStatus(StrEnum):
    NEVER = "never"
    FORMER = "former"
    FIRST_TIME = "first_time"
    REGULAR = "regular"
    POTENTIAL = "potential"


class Ownership(StrEnum):
    GOVERNMENT = "government"
    STATE_OWNED = "state_owned"
    PRIVATE = "private"
    FOREIGN = "foreign"


class RelationshipPhase(StrEnum):
    ESTABLISHMENT = "establishment"
    STRENGTHENING = "strengthening"
    MAINTENANCE = "maintenance"
    DECLINE = "decline"
    RECOVERY = "recovery"


class BuyingRole(StrEnum):
    INITIATOR = "initiator"
    INFLUENCER = "influencer"
    DECISION_MAKER = "decision_maker"
    BUYER = "buyer"
    USER = "user"
    COACH = "coach"
    TECHNICAL_EVALUATOR = "technical_evaluator"


class CustomerSort(StrEnum):
    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"
    NAME = "name"
    NAME_DESC = "-name"
    UPDATED_AT = "updated_at"
    UPDATED_AT_DESC = "-updated_at"
