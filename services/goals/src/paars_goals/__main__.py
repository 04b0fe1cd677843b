"""`python -m paars_goals [serve|migrate|rewrap-keys]`.

rewrap-keys re-wraps every person key still on a retired key-encryption key (PAARS_KEY_ENCRYPTION_KEYS_RETIRED) with
the current one (PAARS_KEY_ENCRYPTION_KEY) and exits: 0 when none is left, 1 when some are (rows their key did not
unwrap, or rows another process held). The serving goals does the same in the background; both can run at once.
"""
import asyncio
import json
import logging
import sys

from paars_goals.adapters import key_rewrap
from paars_goals.bootstrap import MIGRATIONS, build, key_encryption_keys
from paars_platform import logs
from paars_platform.config import Settings
from paars_platform.db import Database, migrate_sync
from paars_platform.runtime import main


async def rewrap_keys(settings: Settings) -> int:
    keys = key_encryption_keys(settings)
    db = Database(settings.database_url)
    try:
        outcome = await key_rewrap.rewrap_all(db, keys)
    finally:
        await db.dispose()
    print(json.dumps({"kek_id": keys.current.id, "rewrapped": outcome.rewrapped, "failed": outcome.failed, "remaining": outcome.remaining}))
    return 0 if outcome.remaining == 0 else 1


command = sys.argv[1] if len(sys.argv) > 1 else "serve"
if command in ("rewrap-keys", "migrate"):
    goals_settings = Settings.from_env("goals")
    logs.configure("goals", goals_settings.log_level)
if command == "rewrap-keys":
    try:
        sys.exit(asyncio.run(rewrap_keys(goals_settings)))
    except key_rewrap.MissingKeyEncryptionKey as refused:
        sys.exit(f"rewrap-keys: {refused}")
elif command == "migrate":
    # The migrations need no key-encryption key: the prod migrate init container has none (only the server has).
    migrate_sync(goals_settings.database_url, MIGRATIONS)
    logging.getLogger("paars_goals").info("migrations applied")
else:
    main(build, "goals", sys.argv)
