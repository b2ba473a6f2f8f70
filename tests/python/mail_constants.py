# Shared test vocabulary: addresses, the message with awkward dot lines, and the MX replies the
# tests script, as named constants so each test reads as the behaviour it checks.
import mxlab

SENDER = "alice@source.test"
RECIPIENT = "bob@example.com"
DOMAIN = "example.com"
MX1 = "mx1.example.com"
MX2 = "mx2.example.com"

# CRLF line ends; a line starting with a dot, one with two, and one that is only "." must all
# survive dot-stuffing (RFC 5321 4.5.2) in both directions.
MESSAGE = (
    b"From: Alice <alice@source.test>\r\n"
    b"To: Bob <bob@example.com>\r\n"
    b"Subject: dots\r\n"
    b"Message-ID: <dots-1@source.test>\r\n"
    b"\r\n"
    b"first line\r\n"
    b".a line that starts with a dot\r\n"
    b"..two dots\r\n"
    b".\r\n"
    b"after the lone dot\r\n"
)

GREYLIST_REPLY = "451 4.7.1 greylisted, try again later"
DEFER_REPLY = "451 4.3.0 temporarily unavailable"


def greylist_once() -> "mxlab.Rule":
    """451 to the first RCPT, then the default 250."""
    return mxlab.Rule.reply("rcpt", GREYLIST_REPLY, times=1)


def defer_everything() -> list:
    """451 to every MAIL and RCPT, until the rules are cleared."""
    return [mxlab.Rule.reply("mail", DEFER_REPLY), mxlab.Rule.reply("rcpt", DEFER_REPLY)]
