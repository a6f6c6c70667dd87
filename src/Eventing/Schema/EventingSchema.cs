namespace Allmende.Eventing.Schema;

/// <summary>The event store's own tables: projection checkpoints and the audit chain (the log is Marten's, the messages Wolverine's).</summary>
internal static class EventingSchema
{
    public const string Module = "eventing";

    public static IEnumerable<Migration> Migrations =>
    [
        new(Module, 1, "streams and events", """
            create table eventing.streams (
                stream_id   text primary key,
                stream_type text,
                version     bigint not null check (version >= 0),
                created_at  timestamptz not null,
                updated_at  timestamptz not null
            );

            create table eventing.events (
                seq            bigint generated always as identity primary key,
                event_id       uuid   not null unique,
                stream_id      text   not null references eventing.streams (stream_id),
                stream_version bigint not null check (stream_version > 0),
                event_type     text   not null,
                data           jsonb  not null,
                recorded_at    timestamptz not null,
                correlation_id text,
                causation_id   text,
                actor          text,
                -- The inserting transaction: with pg_current_snapshot() it tells the async daemon
                -- which events are final (see docs/adr/0005).
                tx_id          xid8   not null default pg_current_xact_id(),
                unique (stream_id, stream_version)
            );
            """),

        new(Module, 2, "projection checkpoints, outbox and deliveries", """
            create table eventing.projection_checkpoints (
                projection   text primary key,
                position     bigint not null default 0,
                status       text   not null default 'running' check (status in ('running', 'rebuilding', 'stopped')),
                rebuild_from bigint,
                rebuild_to   bigint,
                error        text,
                error_seq    bigint,
                error_event_type text,
                updated_at   timestamptz not null default now()
            );

            create table eventing.outbox (
                message_id     uuid primary key,
                message_type   text not null,
                kind           text not null check (kind in ('event', 'command')),
                body           jsonb not null,
                correlation_id text,
                causation_id   text,
                actor          text,
                created_at     timestamptz not null,
                deliver_at     timestamptz not null
            );

            -- One row per (message, handler): each handler's delivery succeeds, retries or dies on its own.
            create table eventing.deliveries (
                id          bigint generated always as identity primary key,
                message_id  uuid not null references eventing.outbox (message_id),
                handler     text not null,
                status      text not null default 'pending'
                            check (status in ('pending', 'done', 'dead', 'cancelled', 'discarded')),
                attempts    int  not null default 0,
                due_at      timestamptz not null,
                last_error  text,
                finished_at timestamptz,
                unique (message_id, handler)
            );
            create index deliveries_due on eventing.deliveries (due_at) where status = 'pending';
            create index deliveries_dead on eventing.deliveries (id) where status = 'dead';
            """),
        new(Module, 3, "audit hash chain, its checkpoints, an append-only log", """
            -- One entry per chained event (docs/adr/0013): its ordinal in the chain and
            -- SHA-256(previous entry's hash || SHA-256(canonical bytes of the event)).
            -- No foreign key to the log: the chain must outlive a deleted event to name it.
            create table eventing.audit_chain (
                seq      bigint primary key,
                position bigint not null check (position > 0),
                hash     bytea  not null check (length(hash) = 32)
            );

            -- The chain's entry after event seq, kept for funders; a rebuild of the chain checks
            -- itself against these and never deletes them.
            create table eventing.audit_checkpoints (
                seq        bigint primary key,
                position   bigint not null check (position > 0),
                hash       bytea  not null check (length(hash) = 32),
                created_at timestamptz not null,
                reason     text   not null check (reason in ('periodic', 'requested'))
            );

            -- The log is append-only. This stops mistakes, not the owner of the database (who can
            -- disable it): the chain and the checkpoints held outside are what reveal changes.
            create function eventing.refuse_log_change() returns trigger language plpgsql as $$
            begin
                raise exception 'eventing.events is append-only: % refused (docs/adr/0013)', tg_op;
            end
            $$;
            create trigger events_append_only before update or delete on eventing.events
                for each row execute function eventing.refuse_log_change();
            create trigger events_no_truncate before truncate on eventing.events
                for each statement execute function eventing.refuse_log_change();
            """),
        new(Module, 5, "finished deliveries by age, for the outbox retention", """
            create index deliveries_finished on eventing.deliveries (finished_at) where status in ('done', 'cancelled', 'discarded');
            """),
        new(Module, 6, "the log moves to Marten's mt_events and mt_streams, append-only", """
            -- A database written before the move (a developer's .pgdata/dev): its log would vanish
            -- with the tables below, so the start-up stops here and says what to do instead. Once
            -- import-log (LogImport) has copied it into Marten's log, the old tables go.
            do $$
            begin
                if exists (select 1 from eventing.events) and not exists (select 1 from marten.mt_events) then
                    raise exception using
                        message = format('This database holds %s events in eventing.events, the log from before it moved to Marten (docs/adr/0015), and this version reads only marten.mt_events.',
                                         (select count(*) from eventing.events)),
                        hint = 'Copy it once with the verb import-log (dotnet run --project src/Host -- import-log), or start this version on a new database.';
                end if;
            end
            $$;
            drop table eventing.events, eventing.streams;
            drop function eventing.refuse_log_change();

            -- The log is append-only (docs/adr/0013); Marten keeps triggers it did not create. A stream
            -- row may move its version on, never go: deleting one would cascade to its events.
            create function eventing.refuse_log_change() returns trigger language plpgsql as $f$
            begin
                raise exception '% is append-only: % refused (docs/adr/0013)', tg_table_schema || '.' || tg_table_name, tg_op;
            end
            $f$;
            create trigger events_append_only before update or delete on marten.mt_events
                for each row execute function eventing.refuse_log_change();
            create trigger events_no_truncate before truncate on marten.mt_events
                for each statement execute function eventing.refuse_log_change();
            create trigger streams_kept before delete on marten.mt_streams
                for each row execute function eventing.refuse_log_change();
            create trigger streams_no_truncate before truncate on marten.mt_streams
                for each statement execute function eventing.refuse_log_change();
            """),
        new(Module, 7, "messages travel on Wolverine: our outbox and its deliveries go", """
            -- A delivery not yet done (due, scheduled, or a dead letter waiting for staff) would vanish
            -- with the tables: the start-up stops here and says what to do instead, as v6 did for the log.
            do $$
            declare
                waiting bigint := (select count(*) from eventing.deliveries where status in ('pending', 'dead'));
            begin
                if waiting > 0 then
                    raise exception using
                        message = format('This database holds %s deliveries in eventing.deliveries not yet done (%s of them dead letters), from before every message moved to Wolverine (docs/adr/0015), and this version delivers only Wolverine''s.',
                                         waiting, (select count(*) from eventing.deliveries where status = 'dead')),
                        hint = 'Run the previous version on this database until they are delivered (replay or discard its dead letters under /api/admin/dead-letters), or start this version on a new database.';
                end if;
            end
            $$;
            drop table eventing.deliveries, eventing.outbox;
            """),
        new(Module, 8, "no tombstones of Marten's in the log", """
            -- When a save fails after some of its events drew their sequence numbers (a unit over several
            -- streams that lost at a later one), Marten writes "tombstone" events over those numbers into
            -- its mt_tombstone stream, afterwards and from another connection (Marten 9.62; no setting
            -- turns it off). The log holds only what units committed (docs/adr/0013, 0015): such a row
            -- can land below events the audit chain has already passed, where verification would call it
            -- inserted, and Marten's high-water detection passes a rolled-back number without one. They
            -- are kept out without an error, which would only make Marten retry and log it. The stream's
            -- row (version 0, no events) may stay.
            create function eventing.keep_tombstones_out() returns trigger language plpgsql as $f$
            begin
                return null;
            end
            $f$;
            create trigger events_no_tombstones before insert on marten.mt_events
                for each row when (new.stream_id = 'mt_tombstone' and new.type = 'tombstone')
                execute function eventing.keep_tombstones_out();
            """),
    ];
}
