"""HIBP responses as the API documents them (breach model, subscription status, range lines).

The breach models follow the documented v3 breach model; the Adobe one mirrors the example the
API documentation uses. The others are invented for the example.test domain.
"""

from __future__ import annotations

from typing import Any

API_KEY = "0123456789abcdef0123456789abcdef"

#: The flags of an ordinary breach (after IsVerified), in the model's order.
ORDINARY: dict[str, bool] = {
    "IsFabricated": False,
    "IsSensitive": False,
    "IsRetired": False,
    "IsSpamList": False,
    "IsMalware": False,
    "IsSubscriptionFree": False,
    "IsStealerLog": False,
}

ADOBE: dict[str, Any] = {
    "Name": "Adobe",
    "Title": "Adobe",
    "Domain": "adobe.com",
    "BreachDate": "2013-10-04",
    "AddedDate": "2013-12-04T00:00:00Z",
    "ModifiedDate": "2022-05-15T23:52:49Z",
    "PwnCount": 152445165,
    "Description": (
        "In October 2013, 153 million Adobe accounts were breached with each containing an internal ID, "
        "username, email, <em>encrypted</em> password and a password hint in plain text. The password "
        "cryptography was poorly done and many were quickly resolved back to plain text. The unencrypted "
        'hints also <a href="https://www.troyhunt.com/adobe-credentials-and-serious/" target="_blank" '
        'rel="noopener">disclosed much about the passwords</a> adding further to the risk that hundreds '
        "of millions of Adobe customers already faced."
    ),
    "LogoPath": "https://haveibeenpwned.com/Content/Images/PwnedLogos/Adobe.png",
    "DataClasses": ["Email addresses", "Password hints", "Passwords", "Usernames"],
    "IsVerified": True,
    **ORDINARY,
}

SHOP: dict[str, Any] = {
    "Name": "ExampleShop",
    "Title": "Example Shop",
    "Domain": "shop.example.test",
    "BreachDate": "2019-03-01",
    "AddedDate": "2019-06-10T08:00:00Z",
    "ModifiedDate": "2019-06-10T08:00:00Z",
    "PwnCount": 120000,
    "Description": (
        "In March 2019, the online store &quot;Example Shop&quot; suffered a breach &amp; "
        '<a href="https://example.test/report">the data was sold</a>.<br/>'
        "<script>alert('x')</script>Affected: names &lt;and&gt; addresses."
    ),
    "LogoPath": "https://haveibeenpwned.com/Content/Images/PwnedLogos/List.png",
    "DataClasses": ["Passwords", "Email addresses", "Physical addresses", "Names"],
    "IsVerified": True,
    **ORDINARY,
    "Attribution": None,  # newer attributes appear without a version bump
}

SPAM_LIST: dict[str, Any] = {
    "Name": "ExampleSpamList",
    "Title": "Example Spam List",
    "Domain": "",
    "BreachDate": "2017-01-01",
    "AddedDate": "2017-03-08T23:49:53Z",
    "ModifiedDate": "2017-03-08T23:49:53Z",
    "PwnCount": 393430309,
    "Description": "A spam list of email addresses.",
    "LogoPath": "https://haveibeenpwned.com/Content/Images/PwnedLogos/Email.png",
    "DataClasses": ["Email addresses", "IP addresses", "Names"],
    "IsVerified": False,
    **ORDINARY,
    "IsSpamList": True,
}

FORUM: dict[str, Any] = {
    "Name": "ExampleForum",
    "Title": "Example Forum",
    "Domain": "forum-example.test",
    "BreachDate": "2021-07-14",
    "AddedDate": "2021-08-01T00:00:00Z",
    "ModifiedDate": "2021-08-01T00:00:00Z",
    "PwnCount": 5000,
    "Description": "A forum.",
    "LogoPath": None,
    "DataClasses": ["Email addresses", "Usernames"],
    "IsVerified": True,
    "IsFabricated": True,
    "IsSensitive": False,
    "IsRetired": False,
    "IsSpamList": False,
    "IsMalware": False,
    "IsSubscriptionFree": False,
}

SUBSCRIPTION = {
    "SubscriptionName": "Pwned 1",
    "Description": "Up to 10 email searches per minute.",
    "SubscribedUntil": "2030-01-01T00:00:00",
    "Rpm": 10,
    "DomainSearchMaxBreachedAccounts": 25,
}

# SHA-1("password") = 5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8
PASSWORD_PREFIX = "5BAA6"
PASSWORD_SUFFIX = "1E4C9B93F3F0682250B6CF8331B7EE68FD8"
PASSWORD_COUNT = 10434004


def padded_range(real: dict[str, int], padding: int = 800) -> str:
    """A range body as Pwned Passwords sends it with Add-Padding: real lines plus zero-count lines."""
    lines = [f"{suffix}:{count}" for suffix, count in real.items()]
    lines += [f"{i:035X}:0" for i in range(padding)]
    lines.sort()
    return "\r\n".join(lines)
