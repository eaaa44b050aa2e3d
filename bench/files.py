"""File throughput, thumbnail cost and memory while streaming.

Starts ``tidings serve`` on a fresh database (files in its temporary directory,
limits raised), then:

- copies a file of --mib MiB with ``shutil.copyfile`` on the same disk (the baseline);
- uploads it through the resumable upload API (4 MiB chunks, the CLI's
  own uploader) and downloads it whole, reporting MiB/s;
- uploads and downloads a --large-mib MiB file read from a sparse file (never held
  in memory on either side) while sampling the server's resident memory;
- makes thumbnails in-process from generated photos (JPEG 4000×3000, PNG 2000×1500).

Writes the "files" section of docs/benchmarks.md unless --no-doc.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from common import (  # noqa: E402
    add_server_options,
    apply_server_options,
    database_label,
    running_server,
    section_header,
    section_name,
    table,
    write_section,
)

MIB = 1024 * 1024


def _rss_mib(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


class RssSampler:
    """The server's resident memory, sampled every 20 ms while a transfer runs."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.samples.append(_rss_mib(self.pid))

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak(self) -> float:
        return max(self.samples) if self.samples else float("nan")


def _random_file(path: Path, mib: int) -> None:
    block = os.urandom(MIB)
    with path.open("wb") as out:
        for i in range(mib):
            out.write(block[i % 7 :] + block[: i % 7])  # distinct blocks, cheaply


def _sparse_file(path: Path, mib: int) -> None:
    with path.open("wb") as out:
        out.truncate(mib * MIB)


def _copy_rate(source: Path, mib: int) -> float:
    target = source.with_name("copy.bin")
    started = time.perf_counter()
    shutil.copyfile(source, target)
    with target.open("rb+") as f:
        os.fsync(f.fileno())
    elapsed = time.perf_counter() - started
    target.unlink()
    return mib / elapsed


def _upload(server, path: Path) -> tuple[dict, float]:  # type: ignore[no-untyped-def]
    from tidings.cli.client.connection import Server

    with Server(server.url, server.owner_token) as client:
        client.http.timeout = 600
        started = time.perf_counter()
        from tidings.cli.client.files import upload_file

        done = upload_file(client, path)
        return done, time.perf_counter() - started


def _post_and_download(server, upload_id: int) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    with server.client() as http:
        http.timeout = 600  # type: ignore[assignment]
        general = next(c["id"] for c in http.get("/channels").json() if c["name"] == "general")
        made = http.post(
            f"/channels/{general}/topics",
            json={"title": f"Bench file {upload_id}", "body": "bench", "attachments": [upload_id]},
        )
        made.raise_for_status()
        file_id = made.json()["first_message"]["attachments"][0]["id"]
        received = 0
        started = time.perf_counter()
        with http.stream("GET", f"/files/{file_id}") as response:
            response.raise_for_status()
            for chunk in response.iter_bytes(MIB):
                received += len(chunk)
        return received, time.perf_counter() - started


def _photo(width: int, height: int, fmt: str) -> bytes:
    from PIL import Image

    noise = Image.effect_noise((width, height), 64).convert("RGB")
    out = io.BytesIO()
    noise.save(out, fmt, quality=90) if fmt == "JPEG" else noise.save(out, fmt)
    return out.getvalue()


def _thumbnail_ms(data: bytes, rounds: int) -> float:
    from tidings.media.sniff import thumbnail

    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        assert thumbnail(data) is not None
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_server_options(parser)
    parser.add_argument("--mib", type=int, default=256, help="Size of the throughput file")
    parser.add_argument("--large-mib", type=int, default=1024, help="Size of the streamed file")
    parser.add_argument("--rounds", type=int, default=5, help="Thumbnails per image")
    args = parser.parse_args()
    apply_server_options(args)
    limits = {
        "TIDINGS_MAX_FILE_BYTES": str((args.large_mib + args.mib + 1) * MIB),
        "TIDINGS_WORKSPACE_QUOTA_BYTES": "0",
        "TIDINGS_UPLOAD_CHUNK_BYTES": str(64 * MIB),
    }
    rows: list[tuple[str, str]] = []
    load = common.wait_for_quiet(max_wait=args.quiet_wait)
    with running_server(args.database_url, args.synchronous, limits) as server:
        work = server.log_path.parent
        source = work / "throughput.bin"
        _random_file(source, args.mib)
        copy = _copy_rate(source, args.mib)
        idle = _rss_mib(server.pid)
        done, up_seconds = _upload(server, source)
        received, down_seconds = _post_and_download(server, done["id"])
        assert received == args.mib * MIB
        rows += [
            ("plain file copy (shutil.copyfile + fsync)", f"{copy:.0f} MiB/s"),
            (
                f"upload {args.mib} MiB (4 MiB chunks, SHA-256 checked)",
                f"{args.mib / up_seconds:.0f} MiB/s",
            ),
            (f"download {args.mib} MiB", f"{args.mib / down_seconds:.0f} MiB/s"),
        ]
        source.unlink()
        large = work / "large.bin"
        _sparse_file(large, args.large_mib)
        with RssSampler(server.pid) as up_memory:
            done, up_seconds = _upload(server, large)
        with RssSampler(server.pid) as down_memory:
            received, down_seconds = _post_and_download(server, done["id"])
        assert received == args.large_mib * MIB
        rows += [
            (
                f"upload {args.large_mib} MiB (sparse source)",
                f"{args.large_mib / up_seconds:.0f} MiB/s",
            ),
            (f"download {args.large_mib} MiB", f"{args.large_mib / down_seconds:.0f} MiB/s"),
            ("server RSS before the transfers", f"{idle:.0f} MiB"),
            (f"server RSS peak while receiving {args.large_mib} MiB", f"{up_memory.peak:.0f} MiB"),
            (f"server RSS peak while sending {args.large_mib} MiB", f"{down_memory.peak:.0f} MiB"),
        ]
    photo = _photo(4000, 3000, "JPEG")
    screenshot = _photo(2000, 1500, "PNG")
    rows += [
        (
            f"thumbnail of a 4000×3000 JPEG ({len(photo) // 1024} KiB)",
            f"{_thumbnail_ms(photo, args.rounds):.0f} ms",
        ),
        (
            f"thumbnail of a 2000×1500 PNG ({len(screenshot) // 1024} KiB)",
            f"{_thumbnail_ms(screenshot, args.rounds):.0f} ms",
        ),
    ]
    report = table(["measure", "result"], rows)
    print(report)
    if args.no_doc:
        return
    label = database_label(server.database_url, args.synchronous)
    body = (
        section_header(label)
        + "\nOver HTTP on 127.0.0.1 with the CLI's own uploader; files in a local directory "
        "on the same disk as the copy. The upload rate includes hashing the file on the "
        "client, the server's check of the SHA-256 and its type detection. The memory rows "
        "show that neither direction holds a file in memory. The machine is shared: its "
        f"other work used {load:.1f} cores when the run started, so rates vary from run to "
        "run.\n\n" + report
    )
    write_section(section_name("files", args), "## Files\n\n" + body)


if __name__ == "__main__":
    main()
