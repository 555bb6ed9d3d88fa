"""Mail: a fast header-only reader for mbox, Maildir, .eml and Takeout archives, and IMAP.

Only header fields are read (From, Date, Subject, Message-ID, List-Id, List-Unsubscribe, To/Cc,
Delivered-To, X-Gmail-Labels), never bodies. Messages are aggregated per sender registrable
domain (:mod:`.aggregate`) and become one finding per domain and archive.
"""
