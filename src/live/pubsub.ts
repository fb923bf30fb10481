/**
 * The seam between pollers and subscribers. Pollers publish normalized events per execution;
 * subscribers listen per execution. In-process now; a Redis implementation lets subscribers on
 * one replica hear a poller on another without resolvers or pollers changing.
 */
export interface PubSub<Message> {
  publish(topic: string, message: Message): Promise<void>;
  /** Returns the function that stops the listener. */
  subscribe(topic: string, listener: (message: Message) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export class MemoryPubSub<Message> implements PubSub<Message> {
  private readonly listeners = new Map<string, Set<(message: Message) => void>>();

  async publish(topic: string, message: Message): Promise<void> {
    for (const listener of this.listeners.get(topic) ?? []) listener(message);
  }

  async subscribe(topic: string, listener: (message: Message) => void): Promise<() => Promise<void>> {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(listener);
    return async () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(topic) === set) this.listeners.delete(topic);
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
