"""Shared pieces of FaxDrop's soak and burst benchmarks: a daemon process on a temporary
spool, its peak memory, and counting what the spool holds."""
import json
import os
import pathlib
import signal
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
ONE_PAGE = ROOT.parent / "shared" / "corpus" / "pdf" / "23-onepage-letter.pdf"


def build(configuration="release"):
    """The `faxdrop` to run: $BIN when set (say, an older release build copied aside with its
    `faxdrop-render`, to compare two builds under the same load), else a fresh build."""
    if os.environ.get("BIN"):
        return pathlib.Path(os.environ["BIN"]).resolve()
    subprocess.run(["swift", "build", "-c", configuration], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return ROOT / ".build" / configuration / "faxdrop"


class Gateway:
    """`faxdrop run` on a spool in a temporary folder."""

    def __init__(self, binary, spool, env):
        self.binary, self.spool, self.env = binary, spool, env
        self.process = None
        self.log = open(spool.parent / "daemon.log", "ab")

    def start(self):
        env = dict(os.environ, FAXDROP_HTTP="false", **self.env)
        self.process = subprocess.Popen([str(self.binary), "run", "--spool", str(self.spool)], env=env,
                                        stdout=self.log, stderr=self.log)
        deadline = time.time() + 30
        while not (self.spool / "active").is_dir() and time.time() < deadline:
            time.sleep(0.05)

    def kill9(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)

    def peak_rss_mb(self):
        """VmHWM of the daemon and of its renderer workers (each its own process)."""
        def hwm(pid):
            try:
                for line in open(f"/proc/{pid}/status"):
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 1024
            except OSError:
                return 0.0
            return 0.0
        children = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == self.process.pid:
                    children.append(int(entry))
        return hwm(self.process.pid), max([hwm(c) for c in children] or [0.0])


def temp_spool(prefix, parent=None):
    base = pathlib.Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    spool = base / "spool"
    for sub in ("outgoing", "active", "done", "failed", "tmp"):
        (spool / sub).mkdir(parents=True)
    return spool


def waiting_in_drop_zone(spool):
    count = 0
    for folder in (spool / "outgoing").iterdir():
        count += sum(1 for _ in folder.iterdir()) if folder.is_dir() else 1
    return count


def sidecars(spool):
    found = []
    for status in ("done", "failed"):
        for path in (spool / status).glob("*.json"):
            found.append(json.loads(path.read_text()))
    return found
