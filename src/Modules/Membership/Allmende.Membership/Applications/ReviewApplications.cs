using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Membership.Organisations;
using Allmende.Membership.Organisations.Lifecycle;
using Allmende.Membership.Privacy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Allmende.Membership.Applications;

/// <summary>
/// Staff's side of applications: list them, approve (the organisation is created and admitted in the
/// same transaction), decline with a reason, erase the contact person. Each decision needs If-Match.
/// </summary>
internal static class ReviewApplications
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/membership/applications", ListAsync)
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Applications, oldest first; ?status=pending for those waiting for a decision.")
            .Produces<Page<ApplicationResponse>>();
        api.MapGet("/membership/applications/{id:guid}", GetAsync)
            .RequireAuthorization(Policies.Staff)
            .WithSummary("One application, with its version as ETag.")
            .Produces<ApplicationResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/membership/applications/{id:guid}/approve", ApproveAsync)
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Approve an application: the organisation is registered and admitted (If-Match required).")
            .ProducesUpdateProblems()
            .Produces<ApplicationResponse>();
        api.MapPost("/membership/applications/{id:guid}/decline",
                (Guid id, ReasonRequest request, HttpContext http, EventStore store, NpgsqlDataSource db, CancellationToken ct) =>
                    DecideAsync(id, a => ApplicationDecisions.Decline(a, request.Reason!.Trim()), http, store, db, ct))
            .Validate<ReasonRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Decline an application, with a reason (If-Match required).")
            .ProducesUpdateProblems()
            .Produces<ApplicationResponse>();
        api.MapDelete("/membership/applications/{id:guid}/contact-person",
                (Guid id, HttpContext http, EventStore store, NpgsqlDataSource db, CancellationToken ct) =>
                    DecideAsync(id, ApplicationDecisions.EraseContact, http, store, db, ct, uow => PersonKeys.Shred(uow, id)))
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Erase the application's contact person for good: their key is deleted (If-Match required).")
            .ProducesUpdateProblems()
            .Produces<ApplicationResponse>();
    }

    private static async Task<IResult> ListAsync(NpgsqlDataSource db, CancellationToken ct, int? offset = null, int? limit = null, string? status = null)
    {
        if (status is not null && !Names.TryParse<ApplicationStatus>(status, out _))
            throw new BadInputException("status", $"status must be {Names.OneOf<ApplicationStatus>()}.");
        return TypedResults.Ok(await ApplicationQueries.ListAsync(db, status, PageRequest.From(offset, limit), ct));
    }

    private static async Task<IResult> GetAsync(Guid id, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        var application = await ApplicationQueries.FindAsync(db, id, ct) ?? throw new NotFoundException("application", id);
        http.Response.SetETag(application.Version);
        return TypedResults.Ok(application);
    }

    private static async Task<IResult> ApproveAsync(Guid id, HttpContext http, EventStore store, NpgsqlDataSource db, TimeProvider time,
        CancellationToken ct)
    {
        var current = await store.LoadForUpdateAsync<MembershipApplication>(http.Request, "application", id, MembershipApplication.StreamId(id), ct);
        var organisationId = Guid.CreateVersion7();
        var (application, organisation) = ApplicationDecisions.Approve(current.State, organisationId);
        var uow = store.Begin(http.EventMetadata());
        uow.Append(current.StreamId, current.Version, application);
        uow.StartStream("organisation", Organisation.StreamId(organisationId), organisation);
        OrganisationWrites.Publish(uow, Organisation.Initial, organisation, time.GetUtcNow());
        return await AnswerAsync(http, db, id, uow, ct);
    }

    private static async Task<IResult> DecideAsync(Guid id, Func<MembershipApplication, IReadOnlyList<object>> decide, HttpContext http, EventStore store,
        NpgsqlDataSource db, CancellationToken ct, Action<UnitOfWork>? alongside = null)
    {
        var current = await store.LoadForUpdateAsync<MembershipApplication>(http.Request, "application", id, MembershipApplication.StreamId(id), ct);
        var uow = store.Begin(http.EventMetadata());
        uow.Append(current.StreamId, current.Version, decide(current.State));
        alongside?.Invoke(uow);
        return await AnswerAsync(http, db, id, uow, ct);
    }

    private static async Task<IResult> AnswerAsync(HttpContext http, NpgsqlDataSource db, Guid id, UnitOfWork uow, CancellationToken ct)
    {
        var stored = await uow.CommitAsync(ct);
        http.Response.SetETag(stored.Last(e => e.StreamId == MembershipApplication.StreamId(id)).StreamVersion);
        return TypedResults.Ok(await ApplicationQueries.FindAsync(db, id, ct));
    }
}
