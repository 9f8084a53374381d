"""Representative texts with planted identifiers (all fictitious)."""

from __future__ import annotations

NAME = "John Smith"
EMAIL = "john.smith@example.com"
PHONE = "(212) 555-0199"
SSN = "536-22-8147"
CARD = "4111 1111 1111 1111"
IBAN = "DE89370400440532013000"
STREET = "742 Evergreen Terrace"
MRN = "7731942"

CLINICAL = (
    f"Patient {NAME} (MRN: {MRN}) was seen on March 3, 2021. Call him at {PHONE} or write to "
    f"{EMAIL}. SSN {SSN}. Home: {STREET}, Springfield, IL 62704."
)
PAYMENT = (
    f"Refund for {NAME}: card {CARD}, IBAN {IBAN}, contact {EMAIL} or {PHONE}. "
    f"Customer SSN on file: {SSN}."
)
RAW_VALUES = (NAME, EMAIL, PHONE, SSN, CARD, IBAN, STREET, MRN)
