// The `info` answers the page polled, newest last, and the rates and series
// the views draw from them. Every figure comes from the per-shard counts
// `info` returns (ShardStats), the same counts the server's metrics are
// derived from, so the page and the metrics cannot disagree.

/** Samples kept: about two minutes at one per 1.5 s. */
const LIMIT = 80;
/** Rates are taken over at least this many seconds (other nodes announce every 3 s). */
const RATE_WINDOW_S = 3.5;

const sum = (shards, pick) => shards.reduce((n, s) => n + pick(s), 0);

export class Samples {
  constructor() {
    this.list = [];
  }

  /** Adds an `info` result taken now. */
  add(info) {
    this.list.push({ t: Date.now() / 1000, nodes: info.nodes ?? [] });
    if (this.list.length > LIMIT) this.list.shift();
  }

  /** The nodes of the newest sample. */
  nodes() {
    return this.list.at(-1)?.nodes ?? [];
  }

  /** A node's shard (by uid and id) in sample i, or undefined. */
  shardAt(i, uid, id) {
    return this.list[i]?.nodes.find((n) => n.uid === uid)?.shards?.find((s) => s.id === id);
  }

  /** Per-second rate of a counter at sample i, over at least RATE_WINDOW_S back; a counter that fell (a restart) counts from 0. */
  rateAt(i, value) {
    const now = this.list[i];
    const current = value(i);
    if (!now || current === undefined) return 0;
    for (let j = i - 1; j >= 0; j--) {
      const dt = now.t - this.list[j].t;
      if (dt < RATE_WINDOW_S && j > 0) continue;
      const before = value(j);
      if (before === undefined || dt <= 0) return 0;
      return Math.max(0, current >= before ? current - before : current) / dt;
    }
    return 0;
  }

  /**
   * Publications per second a node's shards fanned out: through their owners
   * (publications_fanned_out), and on the shards' own Redis subscriptions
   * (direct.subscribed_publications, once per subscribing shard).
   */
  nodePublicationRate(uid) {
    return this.rateAt(this.list.length - 1, (i) => {
      const node = this.list[i]?.nodes.find((n) => n.uid === uid);
      return node ? sum(node.shards ?? [], (s) => s.publications_fanned_out + (s.direct?.subscribed_publications ?? 0)) : undefined;
    });
  }

  /** A shard's gauge (pick(stats)) over the samples, oldest first. */
  shardSeries(uid, id, pick) {
    return this.list.map((_, i) => {
      const s = this.shardAt(i, uid, id);
      return s ? pick(s) : 0;
    });
  }

  /** A shard's counter (pick(stats)) as a per-second rate over the samples, oldest first. */
  shardRateSeries(uid, id, pick) {
    return this.list.map((_, i) => this.rateAt(i, (j) => {
      const s = this.shardAt(j, uid, id);
      return s ? pick(s) : undefined;
    }));
  }
}
