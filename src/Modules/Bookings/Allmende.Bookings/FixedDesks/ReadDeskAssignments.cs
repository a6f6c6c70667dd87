using Allmende.Bookings.Bookings;
using Allmende.Eventing.Api;
using Allmende.Eventing.Storage;
using Allmende.Eventing.Streams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Npgsql;
using NpgsqlTypes;

namespace Allmende.Bookings.FixedDesks;

/// <summary>
/// A desk assignment. From/Until: Europe/Berlin dates, inclusive; BlockedFrom/BlockedUntil: the UTC
/// instants the desk is blocked, [start of from, start of the day after until) (none once withdrawn).
/// Status: assigned, ended (early), withdrawn (ended before its first day). EndReason: why it ended early.
/// </summary>
internal sealed record DeskAssignmentResponse(
    Guid Id,
    Guid SpaceId,
    Guid SiteId,
    Guid OrganisationId,
    Guid? PersonId,
    DateOnly From,
    DateOnly Until,
    DateTimeOffset? BlockedFrom,
    DateTimeOffset? BlockedUntil,
    string Status,
    string? EndReason,
    long Version)
{
    public static DeskAssignmentResponse Of(DeskAssignment a, long version) => new(a.Id, a.SpaceId, a.SiteId, a.OrganisationId, a.PersonId,
        a.From, a.Until, a.Withdrawn ? null : DeskDays.StartOf(a.From), a.Withdrawn ? null : DeskDays.EndOf(a.Until), StatusOf(a.Until < a.From, a.EndReason),
        a.EndReason, version);

    public static string StatusOf(bool withdrawn, string? endReason) => withdrawn ? "withdrawn" : endReason is null ? "assigned" : "ended";
}

/// <summary>Reading assignments: staff and auditors all of them, members their organisations' (others answer 404).</summary>
internal static class ReadDeskAssignments
{
    public static void Map(RouteGroupBuilder bookings)
    {
        bookings.MapGet("/desk-assignments/{id:guid}", HandleGet)
            .RequireAuthorization(Policies.ReadOrganisation)
            .WithSummary("One desk assignment, folded from its history; ETag for ending it")
            .Produces<DeskAssignmentResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        bookings.MapGet("/desk-assignments", HandleList)
            .RequireAuthorization(Policies.ReadOrganisation)
            .WithSummary("Desk assignments by first day; filters: spaceId, organisationId, activeOn (a Berlin date within from..until)")
            .Produces<Page<DeskAssignmentResponse>>()
            .ProducesValidationProblem();
    }

    private static async Task<IResult> HandleGet(Guid id, HttpContext http, EventStore store, CancellationToken ct)
    {
        var assignment = await store.LoadAsync<DeskAssignment>(DeskAssignment.StreamId(id), ct: ct);
        if (assignment is null || !http.User.CanRead(assignment.State.OrganisationId))
            throw new NotFoundException("desk assignment", id);
        http.Response.SetETag(assignment.Version);
        return Results.Ok(DeskAssignmentResponse.Of(assignment.State, assignment.Version));
    }

    private static async Task<IResult> HandleList(HttpContext http, NpgsqlDataSource db, CancellationToken ct,
        [FromQuery(Name = "spaceId")] string? spaceIdText = null,
        [FromQuery(Name = "organisationId")] string? organisationIdText = null,
        string? activeOn = null,
        string? offset = null,
        string? limit = null)
    {
        var page = Query.Page(offset, limit);
        var spaceId = Query.Guid(spaceIdText, "spaceId");
        var organisationId = Query.Guid(organisationIdText, "organisationId");
        var day = Query.Date(activeOn, "activeOn");
        // Members see only their organisations' assignments; staff and auditors all.
        Guid[]? visible = http.User.IsAdmin() || http.User.IsAuditor() ? null : [.. http.User.Organisations()];

        await using var command = db.CreateCommand("""
            select assignment_id, space_id, site_id, organisation_id, person_id, from_date, until_date, end_reason, version, count(*) over ()
            from bookings.desk_assignments
            where ($1::uuid is null or space_id = $1)
              and ($2::uuid is null or organisation_id = $2)
              and ($3::date is null or (from_date <= $3 and until_date >= $3))
              and ($4::uuid[] is null or organisation_id = any($4))
            order by from_date, assignment_id
            offset $5 limit $6
            """);
        command.Parameters.Add(SqlParameters.OrNull(spaceId, NpgsqlDbType.Uuid));
        command.Parameters.Add(SqlParameters.OrNull(organisationId, NpgsqlDbType.Uuid));
        command.Parameters.Add(SqlParameters.OrNull(day, NpgsqlDbType.Date));
        command.Parameters.Add(SqlParameters.OrNull(visible, NpgsqlDbType.Array | NpgsqlDbType.Uuid));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = page.Offset });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = page.Limit });

        var items = new List<DeskAssignmentResponse>();
        long total = 0;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var state = new DeskAssignment(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetGuid(3),
                    reader.IsDBNull(4) ? null : reader.GetGuid(4), reader.GetFieldValue<DateOnly>(5), reader.GetFieldValue<DateOnly>(6),
                    reader.IsDBNull(7) ? null : reader.GetString(7));
                items.Add(DeskAssignmentResponse.Of(state, reader.GetInt64(8)));
                total = reader.GetInt64(9);
            }
        }
        return Results.Ok(new Page<DeskAssignmentResponse>(items, total, page.Offset, page.Limit));
    }
}
