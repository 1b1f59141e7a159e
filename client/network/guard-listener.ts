// Observers (onEvent, onNetworkEvent) watch a client; they must not steer it. An observer that throws
// would otherwise fail a batch, a fetch or a request with an error that has nothing to do with Kafka, so
// its first error is reported as a process warning (Node prints it, code KZ_LISTENER_THREW) and the
// client carries on; later errors of the same observer are not reported again (one warning per observer,
// not one per event).

export function guardListener<E>(
  listener: ((event: E) => void) | undefined,
  name: string,
): ((event: E) => void) | undefined {
  if (listener === undefined) return undefined;
  let reported = false;
  return (event) => {
    try {
      listener(event);
    } catch (error) {
      if (reported) return;
      reported = true;
      process.emitWarning(
        `${name} threw on a ${typeof event === 'object' && event !== null && 'type' in event ? String(event.type) : 'client'} event (reported once; the client carries on): ${error instanceof Error ? error.message : String(error)}`,
        { code: 'KZ_LISTENER_THREW' },
      );
    }
  };
}
