"""Serve a generated news web until interrupted (a development tool for manual crawling).

python -m tests.newsweb --sites 3 --articles 30 --port-base 0
"""

from __future__ import annotations

import argparse
import threading

from .generate import generate_web
from .server import serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.newsweb", description=__doc__)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sites", type=int, default=3)
    parser.add_argument("--articles", type=int, default=30, help="articles per site")
    parser.add_argument(
        "--port-base", type=int, default=0, help="first port (site i gets base+i); 0 = free ports"
    )
    parser.add_argument("--no-hostile", action="store_true", help="leave out the hostile site")
    parser.add_argument("--slow-delay", type=float, default=60.0, help="seconds of slow responses")
    parser.add_argument(
        "--page-weight",
        choices=("light", "real"),
        default="light",
        help="real: article pages as heavy as real news pages (~140 KB)",
    )
    args = parser.parse_args(argv)

    web = generate_web(
        seed=args.seed,
        sites=args.sites,
        articles_per_site=args.articles,
        hostile=not args.no_hostile,
        page_weight=args.page_weight,
    )
    with serve(web, slow_delay=args.slow_delay, port_base=args.port_base) as running:
        for site in web.sites:
            base = running.base_url(site.name)
            print(
                f"{site.name:<12} {base}/  feeds: {base}/rss.xml {base}/atom.xml  "
                f"sitemap: {base}/sitemap.xml  ({len(web.articles_for(site.name))} articles)"
            )
        for kind in web.hostile:
            print(f"hostile {kind:<22} {running.hostile_url(kind)}")
        for name in ("Gaza ceasefire", "Rafah crossing"):
            print(f"watch list {name!r}: {len(web.matching(name))} matching articles")
        print("serving; press Ctrl-C to stop", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopping")


if __name__ == "__main__":
    main()
