using Allmende.Eventing.Streams;
using Npgsql;

namespace Allmende.Membership.Privacy;

/// <summary>
/// The per-person keys, in membership.person_keys: outside the event log, never projected, never
/// published. A key is written in the transaction of the person's first event and deleted in the
/// transaction of PersonForgotten (both enlisted in the command's unit of work).
/// </summary>
internal sealed class PersonKeys(NpgsqlDataSource dataSource)
{
    public async Task<byte[]?> FindAsync(Guid personId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("select key from membership.person_keys where person_id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = personId });
        return await command.ExecuteScalarAsync(ct) as byte[];
    }

    public static void Keep(UnitOfWork uow, Guid personId, byte[] key) =>
        uow.Enlist(async (db, ct) =>
        {
            await using var command = db.Command("insert into membership.person_keys (person_id, key) values ($1, $2)", personId, key);
            await command.ExecuteNonQueryAsync(ct);
        });

    /// <summary>Crypto-shredding: without the key, every sealed copy of the person's data is noise.</summary>
    public static void Shred(UnitOfWork uow, Guid personId) =>
        uow.Enlist(async (db, ct) =>
        {
            await using var command = db.Command("delete from membership.person_keys where person_id = $1", personId);
            await command.ExecuteNonQueryAsync(ct);
        });
}
