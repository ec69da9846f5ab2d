"""SHA-256 of the catalog pages the bench requests, in-process (Django test client), to compare
two revisions byte for byte on the bench database (docs/performance.md, pass 2):

    python bench/page_digests.py bench-results/prepared.json before.json   # in one tree
    python bench/page_digests.py bench-results/prepared.json after.json    # in the other
    cmp before.json after.json

Each of the 60 bench queries, in ar and fr, plain, in_stock=true, in_stock with an offset and a
small limit with an offset; each twice (built, then from the cache). Flush the cache between the
two runs (a fresh REDIS_URL database) so both build their pages. The access token is minted here
for the prepared retailer's user (the environment's signing key).
"""

import hashlib
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "livrili.settings")

import django

django.setup()

import jwt  # noqa: E402
from django.test import Client  # noqa: E402
from rest_framework_simplejwt.tokens import AccessToken  # noqa: E402

from livrili.accounts.models import User  # noqa: E402

VARIANTS = ("", "&in_stock=true", "&in_stock=true&offset=20&limit=5", "&limit=3&offset=2")


def main() -> None:
    prepared = json.loads(Path(sys.argv[1]).read_text("utf-8"))
    claims = jwt.decode(prepared["retailers"][0]["token"], options={"verify_signature": False})
    token = AccessToken.for_user(User.objects.get(pk=claims["user_id"]))
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
    digests = {}
    for query in prepared["catalog_queries"]:
        for lang in ("ar", "fr"):
            for extra in VARIANTS:
                path = f"/api/v1/products?lang={lang}&category={query['category']}&search={query['search']}{extra}"
                for attempt in ("built", "cached"):
                    response = client.get(path)
                    digests[f"{path} {attempt}"] = [
                        response.status_code,
                        response["Content-Type"],
                        hashlib.sha256(response.content).hexdigest(),
                    ]
    Path(sys.argv[2]).write_text(json.dumps(digests, indent=0, ensure_ascii=False))
    print(f"{len(digests)} pages")


if __name__ == "__main__":
    main()
