using System.Text.Json;
using Allmende.Eventing.Api;
using Allmende.Eventing.Storage;
using Npgsql;

namespace Allmende.Membership.Organisations.Read;

internal sealed record OrganisationResponse(
    Guid Id,
    string Name,
    string Kind,
    bool NonProfit,
    string Status,
    string? StatusReason,
    Address? Address,
    Contact? Contact,
    SharesResponse Shares,
    DateTimeOffset AppliedAt,
    long Version);

/// <summary>Cooperative shares in EUR cents: subscribed = shares × centsPerShare; paid never exceeds it.</summary>
internal sealed record SharesResponse(int Subscribed, long CentsPerShare, long SubscribedCents, long PaidCents, long OutstandingCents,
    IReadOnlyList<SharePaymentResponse> Payments);

internal sealed record SharePaymentResponse(DateOnly PaidOn, long AmountCents);

internal sealed record OrganisationFilter(string? Kind, string? Status, bool? NonProfit, string? Name);

/// <summary>Reads of membership.organisations, straight from the data source.</summary>
internal static class OrganisationQueries
{
    private const string Columns = """
        id, name, kind, non_profit, status, status_reason, street, postal_code, city, contact_email, contact_phone,
        shares_subscribed, cents_per_share, paid_cents, share_payments::text, applied_at, version
        """;

    public static async Task<OrganisationResponse?> FindAsync(NpgsqlDataSource db, Guid id, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"select {Columns} from membership.organisations where id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    /// <param name="visibleTo">Only these organisations (a member's own), or all when null.</param>
    public static async Task<Page<OrganisationResponse>> ListAsync(NpgsqlDataSource db, OrganisationFilter filter, PageRequest page,
        IReadOnlySet<Guid>? visibleTo, CancellationToken ct)
    {
        const string where = """
            where ($1::text is null or kind = $1)
              and ($2::text is null or status = $2)
              and ($3::boolean is null or non_profit = $3)
              and ($4::text is null or name ilike '%' || $4 || '%' escape '\')
              and ($5::uuid[] is null or id = any($5))
            """;
        return await PagedQuery.ReadAsync(db, $"select count(*) from membership.organisations {where}",
            $"select {Columns} from membership.organisations {where} order by lower(name), id offset $6 limit $7",
            parameters =>
            {
                parameters.Add(SqlParameters.OrNull(filter.Kind, NpgsqlTypes.NpgsqlDbType.Text));
                parameters.Add(SqlParameters.OrNull(filter.Status, NpgsqlTypes.NpgsqlDbType.Text));
                parameters.Add(SqlParameters.OrNull(filter.NonProfit, NpgsqlTypes.NpgsqlDbType.Boolean));
                parameters.Add(SqlParameters.OrNull(EscapeLike(filter.Name), NpgsqlTypes.NpgsqlDbType.Text));
                parameters.Add(new NpgsqlParameter
                {
                    Value = (object?)visibleTo?.ToArray() ?? DBNull.Value,
                    NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Uuid,
                });
            }, page, Read, ct);
    }

    private static string? EscapeLike(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null : text.Trim().Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_");

    private static OrganisationResponse Read(NpgsqlDataReader r)
    {
        string? Text(int i) => r.IsDBNull(i) ? null : r.GetString(i);
        var subscribed = r.GetInt32(11);
        var centsPerShare = r.GetInt64(12);
        var paid = r.GetInt64(13);
        var payments = JsonSerializer.Deserialize<List<SharePaymentResponse>>(r.GetString(14), EventingJson.Options) ?? [];
        return new OrganisationResponse(
            r.GetGuid(0),
            r.GetString(1),
            r.GetString(2),
            r.GetBoolean(3),
            r.GetString(4),
            Text(5),
            Text(6) is { } street ? new Address(street, Text(7) ?? "", Text(8) ?? "") : null,
            Text(9) is null && Text(10) is null ? null : new Contact(Text(9), Text(10)),
            new SharesResponse(subscribed, centsPerShare, subscribed * centsPerShare, paid, subscribed * centsPerShare - paid, payments),
            r.GetFieldValue<DateTimeOffset>(15),
            r.GetInt64(16));
    }
}
