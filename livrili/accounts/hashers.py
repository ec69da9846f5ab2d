"""v1's password hashes: Supabase stored bcrypt (`$2a$10$…`); the import keeps each as
`bcrypt$` + the hash. This hasher only verifies them (through `bcrypt.checkpw`); it is listed
after the default one, so Django re-hashes the password with the default at the first
successful login (`must_update` too says so)."""

import bcrypt
from django.contrib.auth.hashers import BasePasswordHasher, mask_hash
from django.utils.translation import gettext_noop as _

# bcrypt reads at most 72 bytes; bcrypt 5 refuses longer passwords instead of truncating
# them silently, as v1's bcryptjs did. Truncating here verifies what v1 verified.
BCRYPT_MAX_BYTES = 72


class V1BcryptPasswordHasher(BasePasswordHasher):
    algorithm = "bcrypt"
    library = "bcrypt"

    def salt(self):
        raise NotImplementedError("v1 hashes are verified, never made: new passwords use the default hasher.")

    def encode(self, password, salt):
        raise NotImplementedError("v1 hashes are verified, never made: new passwords use the default hasher.")

    def verify(self, password, encoded):
        algorithm, _sep, hashed = encoded.partition("$")
        if algorithm != self.algorithm or not hashed.startswith(("$2a$", "$2b$", "$2y$")):
            return False
        secret = password.encode("utf-8")[:BCRYPT_MAX_BYTES]
        try:
            return bcrypt.checkpw(secret, hashed.encode("ascii"))
        except ValueError:
            return False

    def decode(self, encoded):
        algorithm, _sep, hashed = encoded.partition("$")
        return {"algorithm": algorithm, "hash": hashed, "salt": hashed[:29], "work_factor": hashed[4:6]}

    def safe_summary(self, encoded):
        decoded = self.decode(encoded)
        return {
            _("algorithm"): decoded["algorithm"],
            _("work factor"): decoded["work_factor"],
            _("salt"): mask_hash(decoded["salt"]),
            _("checksum"): mask_hash(decoded["hash"][29:]),
        }

    def must_update(self, encoded):
        return True

    def harden_runtime(self, password, encoded):
        pass
