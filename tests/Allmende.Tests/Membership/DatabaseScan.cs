using System.Text;
using System.Text.Json;
using Npgsql;

namespace Allmende.Tests.Membership;

/// <summary>
/// Searches every column of every table in every non-system schema for a piece of text: the
/// column's text form (ilike) for all types; for bytea (Wolverine's envelope bodies, live and dead)
/// the bytes, case-insensitively, as UTF-8 and as System.Text.Json writes the text into a message
/// body (it escapes non-ASCII letters and some signs, so "Müller" is stored as "M\u00FCller").
/// Nothing is left out on purpose: a new table of any module that keeps personal data in plain text
/// fails the erasure proof.
/// </summary>
internal static class DatabaseScan
{
    public static async Task<ScanResult> ScanAsync(NpgsqlDataSource db, string needle)
    {
        var columns = new List<(string Schema, string Table, string Column, string Type)>();
        await using (var command = db.CreateCommand("""
            select c.table_schema, c.table_name, c.column_name, c.data_type
            from information_schema.columns c
            join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
            where t.table_type = 'BASE TABLE'
              and c.table_schema not in ('pg_catalog', 'information_schema') and c.table_schema not like 'pg\_%'
            order by 1, 2, 3
            """))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
                columns.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        }

        var hits = new List<string>();
        foreach (var (schema, table, column, type) in columns)
        {
            var target = $"{Quote(schema)}.{Quote(table)}";
            var condition = type == "bytea"
                ? $"(encode({Quote(column)}, 'escape') ilike $2 or encode({Quote(column)}, 'escape') ilike $3)"
                : $"{Quote(column)}::text ilike '%' || $1 || '%'";
            await using var command = db.CreateCommand($"select count(*) from {target} where {condition}");
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = needle });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = BytesPattern(Encoding.UTF8.GetBytes(needle)) });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = BytesPattern(Encoding.UTF8.GetBytes(JsonEncodedText.Encode(needle).ToString())) });
            if ((long)(await command.ExecuteScalarAsync())! > 0)
                hits.Add($"{schema}.{table}.{column}");
        }
        return new ScanResult(hits, columns.Count);
    }

    /// <summary>Where the text occurs: "schema.table.column".</summary>
    public static async Task<IReadOnlyList<string>> HitsAsync(NpgsqlDataSource db, string needle) => (await ScanAsync(db, needle)).Hits;

    /// <summary>
    /// An ilike pattern for <paramref name="bytes"/> inside <c>encode(column, 'escape')</c>, which writes bytes with the
    /// high bit set (and zero) as \nnn octal and doubles backslashes.
    /// </summary>
    private static string BytesPattern(byte[] bytes)
    {
        var escaped = new StringBuilder();
        foreach (var b in bytes)
        {
            if (b == 0 || b >= 0x80)
                escaped.Append('\\').Append(Convert.ToString(b, 8).PadLeft(3, '0'));
            else if (b == (byte)'\\')
                escaped.Append("\\\\");
            else
                escaped.Append((char)b);
        }
        // As a like pattern: backslash, percent and underscore stand for themselves.
        var pattern = escaped.ToString().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
        return $"%{pattern}%";
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";
}

/// <summary>Where a text occurs, and how many columns were searched (so that an empty search cannot pass unnoticed).</summary>
internal sealed record ScanResult(IReadOnlyList<string> Hits, int ColumnsSearched);
