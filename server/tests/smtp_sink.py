"""A real SMTP server for the integration tests (aiosmtpd), started and stopped by each test.

    python smtp_sink.py PORT DIR

Listens on 127.0.0.1:PORT and writes every mail it accepts to DIR as one JSON file
{"to", "from", "subject", "text", "html"}, its MIME parts decoded, so a test can read the link in a
mail. Prints "ready" once it accepts connections; runs until killed.
"""
import email
import email.policy
import json
import os
import sys
import threading
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out):
        self.out = out
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = message.get_body(("plain",))
        html = message.get_body(("html",))
        record = {
            "to": envelope.rcpt_tos,
            "from": envelope.mail_from,
            "subject": str(message["subject"]),
            "text": text.get_content() if text else "",
            "html": html.get_content() if html else "",
        }
        with self.lock:
            self.count += 1
            name = f"{time.time_ns()}-{self.count:05}.json"
        path = os.path.join(self.out, name)
        with open(path + ".part", "w", encoding="utf-8") as file:
            json.dump(record, file)
        os.rename(path + ".part", path)
        return "250 Message accepted"


def main():
    port, out = int(sys.argv[1]), sys.argv[2]
    os.makedirs(out, exist_ok=True)
    controller = Controller(Sink(out), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        threading.Event().wait()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
