"""UK bank details: checked, encrypted at rest with Fernet and only ever shown masked.

The key comes from BANK_DETAILS_KEY when set, otherwise from SECRET_KEY, stretched with
HKDF so that any long random string will do. BANK_DETAILS_KEY may list several secrets
separated by commas: the first encrypts, every one decrypts, so a key can be rotated.
"""

import base64
import json
import re
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SORT_CODE = re.compile(r"^[0-9]{6}$")
ACCOUNT_NUMBER = re.compile(r"^[0-9]{8}$")


def normalise_sort_code(raw: str | None) -> str | None:
    cleaned = re.sub(r"[\s-]+", "", raw or "")
    return cleaned if SORT_CODE.match(cleaned) else None


def normalise_account_number(raw: str | None) -> str | None:
    cleaned = re.sub(r"[\s-]+", "", raw or "")
    return cleaned if ACCOUNT_NUMBER.match(cleaned) else None


@dataclass(frozen=True)
class BankDetails:
    account_name: str
    sort_code: str
    account_number: str

    @property
    def masked_sort_code(self) -> str:
        return f"**-**-{self.sort_code[4:]}"

    @property
    def masked_account_number(self) -> str:
        return f"****{self.account_number[4:]}"


def _fernet(secret: str) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"prison-visits", info=b"bank-details"
    ).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


class BankDetailsCipher:
    def __init__(self, secrets: list[str]):
        if not secrets or not all(secrets):
            raise ValueError("a bank details key is needed")
        self._fernet = MultiFernet([_fernet(secret) for secret in secrets])

    def encrypt(self, details: BankDetails) -> str:
        plain = json.dumps(
            [details.account_name, details.sort_code, details.account_number]
        ).encode()
        return self._fernet.encrypt(plain).decode()

    def decrypt(self, token: str) -> BankDetails:
        try:
            name, sort_code, account_number = json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken:
            raise ValueError("bank details cannot be read with the configured keys") from None
        return BankDetails(name, sort_code, account_number)


def cipher_from_config(config) -> BankDetailsCipher:
    configured = config.get("BANK_DETAILS_KEY")
    if configured:
        return BankDetailsCipher([part.strip() for part in configured.split(",") if part.strip()])
    return BankDetailsCipher([config["SECRET_KEY"]])
