/**
 * The pub/sub across replicas. A publication reaches this replica's own listeners at once,
 * in-process (they neither wait on Redis nor miss it while Redis is away), and the other
 * replicas through one Redis channel per topic, to which a replica is SUBSCRIBEd only while it
 * has listeners for it. Messages travel as JSON envelopes naming their origin replica, so that
 * a replica ignores the echo of its own publications.
 */
import type { PubSub } from './pubsub.js';
import type { RedisLink } from './redis-link.js';

interface Envelope<Message> {
  readonly origin: string;
  readonly message: Message;
}

interface Channel<Message> {
  readonly listeners: Set<(message: Message) => void>;
  /** Settles once Redis confirmed the SUBSCRIBE (or refused it: see resubscribeAll). */
  readonly subscribed: Promise<void>;
}

/** Messages must be plain JSON data. */
export class RedisPubSub<Message> implements PubSub<Message> {
  /** By Redis channel name. */
  private readonly channels = new Map<string, Channel<Message>>();
  private readonly onMessage = (channel: string, payload: string) => this.receive(channel, payload);

  constructor(private readonly link: RedisLink) {
    link.subscriber.on('message', this.onMessage);
    link.onSubscriberReady(() => this.resubscribeAll());
  }

  async publish(topic: string, message: Message): Promise<void> {
    const channel = this.link.key(topic);
    this.deliver(channel, message);
    const envelope: Envelope<Message> = { origin: this.link.replicaId, message };
    // Without Redis the other replicas do not hear it, but then they poll for themselves.
    await this.link.commands.publish(channel, JSON.stringify(envelope)).catch(() => {});
  }

  async subscribe(topic: string, listener: (message: Message) => void): Promise<() => Promise<void>> {
    const name = this.link.key(topic);
    let channel = this.channels.get(name);
    if (!channel) {
      channel = { listeners: new Set(), subscribed: this.redisSubscribe(name) };
      this.channels.set(name, channel);
    }
    channel.listeners.add(listener);
    await channel.subscribed;
    return async () => {
      channel.listeners.delete(listener);
      if (channel.listeners.size > 0 || this.channels.get(name) !== channel) return;
      this.channels.delete(name);
      // If this fails the connection is gone, and with it the subscription.
      await this.link.subscriber.unsubscribe(name).catch(() => {});
    };
  }

  /** Channels with listeners: lets tests prove nothing leaks. */
  get topicCount(): number {
    return this.channels.size;
  }

  async close(): Promise<void> {
    this.link.subscriber.off('message', this.onMessage);
    this.channels.clear();
  }

  /** Never fails: while Redis is away the listener still hears this replica, and resubscribeAll catches up. */
  private async redisSubscribe(name: string): Promise<void> {
    await this.link.subscriber.subscribe(name).catch(() => {});
  }

  private async resubscribeAll(): Promise<void> {
    const names = [...this.channels.keys()];
    if (names.length > 0) await this.link.subscriber.subscribe(...names);
  }

  private receive(channel: string, payload: string): void {
    let envelope: Envelope<Message>;
    try {
      envelope = JSON.parse(payload) as Envelope<Message>;
    } catch {
      return; // not ours: the prefix is shared with something else
    }
    if (envelope.origin !== this.link.replicaId) this.deliver(channel, envelope.message);
  }

  private deliver(channel: string, message: Message): void {
    for (const listener of this.channels.get(channel)?.listeners ?? []) listener(message);
  }
}
