"""The identity services of one container: access tokens checked on every request (built
before the tenant service, which authenticates every bearer token), and the accounts, sessions,
passwords and teams people use (built on the tenant service, the e-mail channel and
WhatsApp)."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.identity.access_watch import AccessWatch
from adapters.identity.passwords import Argon2Passwords
from adapters.identity.read_models import PostgresIdentityReadModels
from adapters.identity.team_read_models import PostgresTeamReadModels
from adapters.identity.tokens import HmacEmailClaimIds, JwtAccessTokens, JwtLinkTokens
from adapters.shared.database import Database
from adapters.shared.settings import Settings
from adapters.shared.stores import PostgresStores
from application.identity.accounts import Accounts
from application.identity.authentication import PersonTokens
from application.identity.invitations import Invitations
from application.identity.joining import Joining
from application.identity.links import LinkMail
from application.identity.passwords import Passwords
from application.identity.people import ACCESS_LIFETIME, People
from application.identity.ports import (
    CustomRoleBook,
    EmailRequests,
    TenantRegistry,
    WhatsAppRequests,
)
from application.identity.rosters import Rosters
from application.identity.sessions import SignIns
from application.identity.team_queries import TeamQueries
from application.identity.teams import Teams
from application.shared.clock import Clock
from application.shared.ports import ReadModelSync

# An ended session is remembered a minute past the lifetime of the access tokens it gave.
_REMEMBER_REVOKED = ACCESS_LIFETIME.total_seconds() + 60


@dataclass
class IdentityAccess:
    watch: AccessWatch
    access_tokens: JwtAccessTokens
    person_tokens: PersonTokens

    def close(self) -> None:
        self.watch.close()


def identity_access(
    settings: Settings, database: Database, secret_key: str, clock: Clock
) -> IdentityAccess:
    watch = AccessWatch(
        database,
        settings.niaga_platform_schema,
        settings.niaga_api_key_cache_seconds,
        settings.niaga_api_key_cache_size,
        _REMEMBER_REVOKED,
    )
    codec = JwtAccessTokens(secret_key)
    return IdentityAccess(watch, codec, PersonTokens(codec, watch, watch, watch, clock))


@dataclass
class IdentityWiring:
    read_models: PostgresIdentityReadModels
    links: LinkMail
    accounts: Accounts
    sign_ins: SignIns
    passwords: Passwords
    invitations: Invitations
    joining: Joining
    teams: Teams
    team_queries: TeamQueries


def identity_services(
    settings: Settings,
    stores: PostgresStores,
    sync: ReadModelSync,
    clock: Clock,
    secret_key: str,
    access: IdentityAccess,
    tenants: TenantRegistry,
    emails: EmailRequests,
    whatsapp: WhatsAppRequests,
    custom_roles: CustomRoleBook,
) -> IdentityWiring:
    read_models = PostgresIdentityReadModels(stores)
    team_read_models = PostgresTeamReadModels(stores)
    people = People(stores, sync, HmacEmailClaimIds(secret_key))
    rosters = Rosters(stores, people, team_read_models)
    hasher = Argon2Passwords()
    links = LinkMail(JwtLinkTokens(secret_key), emails, stores, clock, settings.niaga_public_url)
    sign_ins = SignIns(
        people, hasher, access.access_tokens, links, read_models, access.watch, clock
    )
    return IdentityWiring(
        read_models,
        links,
        Accounts(people, hasher, tenants, links, read_models),
        sign_ins,
        Passwords(people, hasher, links, sign_ins),
        Invitations(people, links, whatsapp, team_read_models, stores, clock),
        Joining(people, rosters, links, sign_ins, hasher, stores, clock),
        Teams(people, rosters, sign_ins, read_models, custom_roles, clock),
        TeamQueries(team_read_models, clock),
    )
