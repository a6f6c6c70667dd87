using System.Security.Cryptography;
using System.Text;
using Allmende.Eventing.Api;
using Allmende.Eventing.Storage;
using Allmende.Eventing.Streams;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Allmende.Bookings.Calendars;

// The log records that a feed exists and for whom, never its secret: the secret's hash lives only in
// bookings.calendar_feeds, written in the same transaction (as API keys do).
internal sealed record CalendarFeedCreated(Guid FeedId, string Scope, Guid TargetId, string View, IReadOnlyList<Guid> Organisations, DateTimeOffset At);

internal sealed record CalendarFeedRevoked(Guid FeedId, DateTimeOffset At);

/// <summary>scope: organisation, space or site; id: the organisation's, space's or site's id.</summary>
internal sealed record CreateFeedRequest(string? Scope, Guid? Id);

internal sealed class CreateFeedValidator : AbstractValidator<CreateFeedRequest>
{
    public CreateFeedValidator()
    {
        RuleFor(r => r.Scope).NotEmpty().Must(s => FeedScopes.All.Contains(s)).WithMessage("scope must be organisation, space or site.");
        RuleFor(r => r.Id).NotEmpty();
    }
}

/// <summary>A feed (never its secret). View: staff (everything in full) or member (their organisations in full, others busy).</summary>
internal sealed record FeedView(Guid Id, string Scope, Guid TargetId, string View, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? RevokedAt);

/// <summary>A new feed and its URL: the only time the secret is shown.</summary>
internal sealed record CreatedFeed(string Url, FeedView Feed);

/// <summary>
/// Calendar feeds people subscribe to: a secret URL per feed, since calendar apps send no headers.
/// Created by whoever may read the scope (a member for their own organisation, or a space or site with
/// others' bookings as busy blocks; staff for anything), revoked by its creator or an admin.
/// </summary>
internal static class CalendarFeeds
{
    public static readonly IReadOnlyList<(Type Type, string Name)> EventNames =
    [
        (typeof(CalendarFeedCreated), "bookings.calendar-feed.created"),
        (typeof(CalendarFeedRevoked), "bookings.calendar-feed.revoked"),
    ];

    private const string Prefix = "cal_";
    private const string IcsSuffix = ".ics";

    public static string StreamId(Guid feedId) => $"calendar-feed-{feedId:N}";

    public static void Map(RouteGroupBuilder bookings)
    {
        bookings.MapPost("/feeds", HandleCreate)
            .Validate<CreateFeedRequest>()
            .RequireAuthorization(Policies.ReadOrganisation)
            .WithSummary("Creates a calendar feed with a secret URL (shown only in this answer) for an organisation (members: their own), a space or a site")
            .Produces<CreatedFeed>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        bookings.MapGet("/feeds", HandleList)
            .RequireAuthorization(Policies.ReadOrganisation)
            .WithSummary("The calendar feeds the caller created (admin: all), never their secrets")
            .Produces<IReadOnlyList<FeedView>>();
        bookings.MapPost("/feeds/{id:guid}/revoke", HandleRevoke)
            .RequireAuthorization(Policies.ReadOrganisation)
            .WithSummary("Revokes a calendar feed at once (its creator or an admin); revoking twice changes nothing")
            .Produces<FeedView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        bookings.MapGet("/ical/{token}", HandleFeed)
            .AllowAnonymous()
            .WithSummary("A calendar feed by its secret URL (/api/bookings/ical/cal_….ics): no header needed, so calendar apps can subscribe")
            .Produces<string>(StatusCodes.Status200OK, FeedCalendar.ContentType)
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> HandleCreate(CreateFeedRequest request, HttpContext http, EventStore store, NpgsqlDataSource db, TimeProvider time,
        CancellationToken ct)
    {
        var scope = request.Scope!;
        var target = request.Id!.Value;
        var user = http.User;
        if (scope == FeedScopes.Organisation && !user.CanRead(target) || await NameAsync(db, scope, target, ct) is null)
            throw new NotFoundException(scope, target);

        var staff = user.IsAdmin() || user.IsAuditor();
        var organisations = staff ? [] : user.Organisations().Order().ToArray();
        var feedId = Guid.CreateVersion7();
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var now = time.GetUtcNow();
        var metadata = http.EventMetadata();
        var created = new CalendarFeedCreated(feedId, scope, target, staff ? FeedViewer.StaffView : FeedViewer.MemberView, organisations, now);
        var uow = store.Begin(metadata);
        uow.StartStream("calendar-feed", StreamId(feedId), created);
        uow.Enlist(async (context, token) =>
        {
            await using var insert = context.Command("""
                insert into bookings.calendar_feeds (feed_id, secret_hash, scope, target_id, view, organisations, created_at, created_by)
                values ($1, $2, $3, $4, $5, $6, $7, $8)
                """, feedId, Hash(secret), scope, target, created.View, organisations, now, metadata.Actor ?? "");
            await insert.ExecuteNonQueryAsync(token);
        });
        await uow.CommitAsync(ct);
        var view = new FeedView(feedId, scope, target, created.View, now, metadata.Actor ?? "", null);
        return Results.Created($"/api/bookings/feeds/{feedId}", new CreatedFeed($"/api/bookings/ical/{Prefix}{feedId:N}_{secret}{IcsSuffix}", view));
    }

    private static async Task<IResult> HandleList(HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        var all = http.User.IsAdmin();
        await using var command = db.CreateCommand("""
            select feed_id, scope, target_id, view, created_at, created_by, revoked_at from bookings.calendar_feeds
            where $1 or created_by = $2 order by created_at, feed_id
            """);
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = all });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = http.User.Actor() });
        var feeds = new List<FeedView>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            feeds.Add(Read(reader));
        return Results.Ok(feeds);
    }

    private static async Task<IResult> HandleRevoke(Guid id, HttpContext http, EventStore store, NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        var feed = await FindAsync(db, id, ct);
        if (feed is null || !http.User.IsAdmin() && feed.CreatedBy != http.User.Actor())
            throw new NotFoundException("calendar feed", id);
        if (feed.RevokedAt is null)
        {
            var now = time.GetUtcNow();
            var uow = store.Begin(http.EventMetadata());
            // At the version read: of two revokes at once one writes the event, the other finds it revoked.
            uow.Append(StreamId(id), await store.CurrentVersionAsync(StreamId(id), ct) ?? throw new NotFoundException("calendar feed", id),
                new CalendarFeedRevoked(id, now));
            uow.Enlist(async (context, token) =>
            {
                await using var update = context.Command("update bookings.calendar_feeds set revoked_at = $2 where feed_id = $1 and revoked_at is null", id, now);
                await update.ExecuteNonQueryAsync(token);
            });
            try
            {
                await uow.CommitAsync(ct);
            }
            catch (ConcurrencyException)
            {
                // revoked meanwhile: the answer below shows it
            }
        }
        return Results.Ok(await FindAsync(db, id, ct));
    }

    private static async Task<IResult> HandleFeed(string token, NpgsqlDataSource db, EventStore store, TimeProvider time, CancellationToken ct)
    {
        // Every refusal is the same 404: a wrong secret tells nothing about which feeds exist.
        var text = token.EndsWith(IcsSuffix, StringComparison.OrdinalIgnoreCase) ? token[..^IcsSuffix.Length] : token;
        if (!text.StartsWith(Prefix, StringComparison.Ordinal) || text.Length < Prefix.Length + 34 || text[Prefix.Length + 32] != '_'
            || !Guid.TryParseExact(text.AsSpan(Prefix.Length, 32), "N", out var feedId))
            throw new NotFoundException("calendar feed", "at that address");
        var secret = text[(Prefix.Length + 33)..];
        await using var command = db.CreateCommand("""
            select scope, target_id, view, organisations, secret_hash from bookings.calendar_feeds where feed_id = $1 and revoked_at is null
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = feedId });
        string scope;
        Guid target;
        FeedViewer viewer;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
                throw new NotFoundException("calendar feed", "at that address");
            var hash = reader.GetFieldValue<byte[]>(4);
            if (!CryptographicOperations.FixedTimeEquals(hash, Hash(secret)))
                throw new NotFoundException("calendar feed", "at that address");
            scope = reader.GetString(0);
            target = reader.GetGuid(1);
            // The stored hash keys the opaque UIDs: stable for this feed, unknown to anyone without its secret.
            viewer = new FeedViewer(reader.GetString(2) == FeedViewer.StaffView, reader.GetFieldValue<Guid[]>(3).ToHashSet(), hash);
        }
        var now = time.GetUtcNow();
        var name = await NameAsync(db, scope, target, ct) ?? "Allmende";
        var items = await FeedCalendar.ItemsAsync(db, scope, target, now, ct);
        var series = await FeedCalendar.SeriesAsync(db, store, items, now, ct);
        return Results.Text(FeedCalendar.Write(name, items, series, viewer, now), FeedCalendar.ContentType, Encoding.UTF8);
    }

    /// <summary>The calendar's name, as Bookings knows the scope; null when it does not know it.</summary>
    public static async Task<string?> NameAsync(NpgsqlDataSource db, string scope, Guid target, CancellationToken ct)
    {
        await using var command = db.CreateCommand(scope switch
        {
            FeedScopes.Organisation => """
                select coalesce(n.name, 'Allmende bookings') from bookings.organisations o
                left join bookings.organisation_names n using (organisation_id) where o.organisation_id = $1
                """,
            FeedScopes.Space => "select name from bookings.spaces where space_id = $1",
            _ => """
                select coalesce(a.name, 'Allmende site') from bookings.sites s left join bookings.site_addresses a using (site_id) where s.site_id = $1
                """,
        });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = target });
        return await command.ExecuteScalarAsync(ct) as string;
    }

    private static async Task<FeedView?> FindAsync(NpgsqlDataSource db, Guid id, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            "select feed_id, scope, target_id, view, created_at, created_by, revoked_at from bookings.calendar_feeds where feed_id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    private static FeedView Read(NpgsqlDataReader r) => new(r.GetGuid(0), r.GetString(1), r.GetGuid(2), r.GetString(3),
        r.GetFieldValue<DateTimeOffset>(4), r.GetString(5), r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6));

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
