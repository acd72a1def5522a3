"""Upgrade probe for the molecule test host: GET / and /api/v1/ready through nginx on loopback,
each every 0.2 s in its own thread, until STOP_FILE exists or MAX_SECONDS pass (bounded).
Usage: probe.py OUT STOP_FILE MAX_SECONDS [BASE_URL]   (BASE_URL default http://127.0.0.1)
Writes a JSON summary to OUT: requests, failures of /, failures of ready by answer (e.g.
"500 Unhealthy": Coop's CPU rule, which reads the whole machine's CPU, so on a shared test machine
any load trips it), and the longest time between two successful ready answers with when it
ended (epoch seconds, to read against the deploy's log)."""
import json
import os
import ssl
import sys
import threading
import time
import urllib.error
import urllib.request

OUT, STOP_FILE, MAX_SECONDS = sys.argv[1], sys.argv[2], float(sys.argv[3])
BASE = sys.argv[4] if len(sys.argv) > 4 else 'http://127.0.0.1'
# The probe measures availability over loopback on the host itself, where the certificate's name
# (coop_ui_url's host) is not the address requested: no verification (the checklist's tls check
# verifies the certificate).
CONTEXT = None
if BASE.startswith('https://'):
    CONTEXT = ssl.create_default_context()
    CONTEXT.check_hostname = False
    CONTEXT.verify_mode = ssl.CERT_NONE
DEADLINE = time.monotonic() + MAX_SECONDS
result = {'root': 0, 'root_failed': [], 'ready': 0, 'ready_failed': 0, 'ready_failed_by': {}, 'longest_ready_gap': 0.0,
          'longest_ready_gap_end': None}


def status(path):
    try:
        with urllib.request.urlopen(BASE + path, timeout=5, context=CONTEXT) as answer:
            answer.read()
            return answer.status
    except urllib.error.HTTPError as exc:
        try:
            body = exc.read(40).decode('utf-8', 'replace').strip()
        except Exception:  # pylint: disable=broad-except
            body = ''
        return '%s %s' % (exc.code, body) if body.isalpha() else exc.code
    except Exception as exc:  # pylint: disable=broad-except
        return type(exc).__name__


def running():
    return time.monotonic() < DEADLINE and not os.path.exists(STOP_FILE)


def root():
    while running():
        code = status('/')
        result['root'] += 1
        if code != 200:
            result['root_failed'].append([round(time.time(), 1), code])
        time.sleep(0.2)


def ready():
    last_ok = time.monotonic()
    while running():
        code = status('/api/v1/ready')
        now = time.monotonic()
        result['ready'] += 1
        if code == 200:
            if now - last_ok > result['longest_ready_gap']:
                result['longest_ready_gap'] = round(now - last_ok, 2)
                result['longest_ready_gap_end'] = round(time.time(), 1)
            last_ok = now
        else:
            result['ready_failed'] += 1
            result['ready_failed_by'][str(code)] = result['ready_failed_by'].get(str(code), 0) + 1
        time.sleep(0.2)


threads = [threading.Thread(target=root), threading.Thread(target=ready)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
with open(OUT, 'w', encoding='utf-8') as out:
    json.dump(result, out)
