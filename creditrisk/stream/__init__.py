"""Feature events on a stream: a producer replays performance months, a consumer pushes them.

The consumer reads through the small :class:`~creditrisk.stream.broker.Broker` interface
(Redis Streams with a consumer group by default; a Kafka topic with a consumer group fits the
same four calls) and applies each batch with :func:`creditrisk.features.push.push_table`.
See ``docs/streaming.md``.
"""
