using Npgsql;

namespace Allmende.Tests.Membership;

/// <summary>
/// Searches every column of every table in every non-system schema for a piece of text: the
/// column's text form (ilike) for all types, the raw bytes for bytea. Nothing is left out on purpose:
/// a new table of any module that keeps personal data in plain text fails the erasure proof.
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
                ? $"position(convert_to($1, 'UTF8') in {Quote(column)}) > 0"
                : $"{Quote(column)}::text ilike '%' || $1 || '%'";
            await using var command = db.CreateCommand($"select count(*) from {target} where {condition}");
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = needle });
            if ((long)(await command.ExecuteScalarAsync())! > 0)
                hits.Add($"{schema}.{table}.{column}");
        }
        return new ScanResult(hits, columns.Count);
    }

    /// <summary>Where the text occurs: "schema.table.column".</summary>
    public static async Task<IReadOnlyList<string>> HitsAsync(NpgsqlDataSource db, string needle) => (await ScanAsync(db, needle)).Hits;

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"") + "\"";
}

/// <summary>Where a text occurs, and how many columns were searched (so that an empty search cannot pass unnoticed).</summary>
internal sealed record ScanResult(IReadOnlyList<string> Hits, int ColumnsSearched);
