import type { Store } from "./store";

/** Placeholder worker. */
export class DeliveryWorker {
  constructor(
    readonly store: Store,
    readonly timeScale: number,
  ) {}
  start(): void {}
  kick(): void {}
  async stop(): Promise<void> {}
  reset(): void {}
}
