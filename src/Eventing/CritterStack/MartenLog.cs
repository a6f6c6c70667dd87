using Marten;
using Marten.Services;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Allmende.Eventing.CritterStack;

/// <summary>
/// Marten's command log without parameter values. Marten's default logs a failed command at Error
/// level with its parameters, and those hold event bodies and documents: nothing of a person may
/// reach the logs, sealed or not (ADR 8, issue 13). The SQL text and the error are what a reader needs.
/// </summary>
internal sealed class MartenLog(ILogger logger) : IMartenLogger, IMartenSessionLogger
{
    public IMartenSessionLogger StartSession(IQuerySession session) => this;

    public void SchemaChange(string sql) => logger.LogDebug("Marten changed the schema: {Sql}", sql);

    public void LogSuccess(NpgsqlCommand command)
    {
    }

    public void LogSuccess(NpgsqlBatch batch)
    {
    }

    public void LogFailure(NpgsqlCommand command, Exception ex)
    {
        if (IsLostRace(ex))
            logger.LogDebug("Marten: an append lost a race ({Error}); the writer answers it as a conflict", ex.GetType().Name);
        else
            logger.LogError(ex, "Marten command failed: {Sql}", command.CommandText);
    }

    public void LogFailure(NpgsqlBatch batch, Exception ex)
    {
        if (IsLostRace(ex))
            logger.LogDebug("Marten: an append lost a race ({Error}); the writer answers it as a conflict", ex.GetType().Name);
        else
            logger.LogError(ex, "Marten batch failed: {Sql}", string.Join("; ", batch.BatchCommands.Cast<NpgsqlBatchCommand>().Select(c => c.CommandText)));
    }

    /// <summary>
    /// A stale expected version (MT003 from Marten's append function) or a stream id or version taken
    /// meanwhile (a unique violation on Marten's stream or event keys): the writer answers 409
    /// (UnitOfWork), as it did before appends went through Marten. Not an error of the system.
    /// </summary>
    private static bool IsLostRace(Exception ex) =>
        ex is PostgresException { SqlState: "MT003" }
            or PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, TableName: "mt_streams" or "mt_events" }
            // Marten logs the failure once more after translating it.
            or JasperFx.ConcurrencyException
            or Marten.Exceptions.ExistingStreamIdCollisionException
            or JasperFx.Events.ExistingStreamIdCollisionException;

    public void LogFailure(Exception ex, string message) => logger.LogError(ex, "Marten: {Message}", message);

    public void RecordSavedChanges(IDocumentSession session, IChangeSet commit)
    {
    }

    public void OnBeforeExecute(NpgsqlCommand command)
    {
    }

    public void OnBeforeExecute(NpgsqlBatch batch)
    {
    }
}
