using Allmende.Eventing.Api;
using Allmende.Eventing.Privacy;
using Allmende.Eventing.Streams;
using Allmende.Membership.Privacy;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Allmende.Membership.People.Survey;

internal sealed record SurveyAnswerRequest(decimal? OneWayKm, string? Means, int? CommutingDaysPerWeek, string? Needs);

/// <summary>A person's answer as they and staff read it; Needs is "(erased)" once the person is forgotten.</summary>
internal sealed record SurveyAnswerResponse(Guid PersonId, decimal OneWayKm, string Means, int CommutingDaysPerWeek, string? Needs, DateTimeOffset AnsweredAt)
{
    public override string ToString() => $"SurveyAnswerResponse {{ PersonId = {PersonId}, Means = {Means} }}";
}

internal sealed record SurveyMeansSummary(string Means, int Answers, decimal AverageOneWayKm, decimal AverageCommutingDaysPerWeek);

/// <summary>The survey in figures, without names or needs: what funders read.</summary>
internal sealed record SurveySummary(int Answers, decimal AverageOneWayKm, decimal AverageCommutingDaysPerWeek, IReadOnlyList<SurveyMeansSummary> ByMeans);

internal sealed class SurveyAnswerValidator : AbstractValidator<SurveyAnswerRequest>
{
    public SurveyAnswerValidator()
    {
        RuleFor(r => r.OneWayKm).NotNull().InclusiveBetween(0m, 500m).PrecisionScale(4, 1, true)
            .WithMessage("'One Way Km' is the one-way commute in km, 0 to 500, with at most one decimal.");
        RuleFor(r => r.Means).NotEmpty()
            .Must(m => Names.TryParse<CommuteMeans>(m, out _)).WithMessage($"'Means' must be {Names.OneOf<CommuteMeans>()}.");
        RuleFor(r => r.CommutingDaysPerWeek).NotNull().InclusiveBetween(0, 7);
        RuleFor(r => r.Needs).MaximumLength(2000);
    }
}

/// <summary>
/// The rural pilot's needs survey (ADR 21): members and trial users answer once and may answer again
/// (the later answer replaces the earlier). PUT/GET /api/people/{id}/survey: staff and the person
/// themselves; what they would need is personal and sealed with the person's key, so it goes with them
/// when they are forgotten. GET /api/membership/survey/summary: the figures without names, for funders.
/// </summary>
internal static class NeedsSurvey
{
    public const string NeedsField = "survey-needs";

    public static IReadOnlyList<object> Answer(Person person, decimal oneWayKm, CommuteMeans means, int days, string? needsSealed)
    {
        if (person.Forgotten)
            throw PersonRules.Forgotten(person);
        if (!person.MemberOrTrialUser)
            throw new DomainException("not-member-or-trial-user",
                $"Person {person.Id} neither acts for an organisation, holds a plan nor had a trial; the survey is for members and trial users.");
        return [new NeedsSurveyAnswered(person.Id, oneWayKm, means, days, needsSealed)];
    }

    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPut("/people/{id:guid}/survey", AnswerAsync)
            .Validate<SurveyAnswerRequest>()
            .RequireAuthorization(Policies.ActForOrganisation)
            .WithSummary("Answer the needs survey (staff, or the person themselves; a new answer replaces the former; If-Match with the person's ETag).")
            .ProducesUpdateProblems()
            .Produces<SurveyAnswerResponse>();
        api.MapGet("/people/{id:guid}/survey", GetAsync)
            .RequireAuthorization(Policies.ActForOrganisation)
            .WithSummary("A person's survey answer (staff, or the person themselves).")
            .Produces<SurveyAnswerResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/membership/survey/summary", SummaryAsync)
            .RequireAuthorization(Policies.ReadFunding)
            .WithSummary("The needs survey in figures, by means of transport, without names or needs (staff, auditors, funders).")
            .Produces<SurveySummary>();
    }

    private static void OnlyStaffOrThemselves(HttpContext http, Guid id)
    {
        if (!http.User.IsAdmin() && http.User.PersonId() != id)
            throw new NotFoundException("person", id);
    }

    private static async Task<IResult> AnswerAsync(Guid id, SurveyAnswerRequest request, HttpContext http, EventStore store, NpgsqlDataSource db,
        PersonKeys keys, TimeProvider time, CancellationToken ct)
    {
        OnlyStaffOrThemselves(http, id);
        var current = await store.LoadForUpdateAsync<Person>(http.Request, "person", id, Person.StreamId(id), ct);
        var key = await keys.FindAsync(id, ct);
        var needs = string.IsNullOrWhiteSpace(request.Needs) || key is null ? null : Sealing.Seal(key, Purpose, id, NeedsField, request.Needs);
        var events = Answer(current.State, request.OneWayKm!.Value, Names.Parse<CommuteMeans>(request.Means!), request.CommutingDaysPerWeek!.Value, needs);
        var uow = store.Begin(http.EventMetadata());
        uow.Append(current.StreamId, current.Version, events);
        PersonWrites.Publish(uow, events, current.Version, time.GetUtcNow());
        http.Response.SetETag((await uow.CommitAsync(ct))[^1].StreamVersion);
        return TypedResults.Ok(await FindAsync(db, id, ct));
    }

    private static async Task<IResult> GetAsync(Guid id, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        OnlyStaffOrThemselves(http, id);
        return TypedResults.Ok(await FindAsync(db, id, ct) ?? throw new NotFoundException("survey answer of person", id));
    }

    private static async Task<SurveyAnswerResponse?> FindAsync(NpgsqlDataSource db, Guid id, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            select s.one_way_km, s.means, s.commuting_days_per_week, s.needs_sealed, s.answered_at, k.key
            from membership.survey_answers s left join membership.person_keys k on k.person_id = s.person_id
            where s.person_id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            return null;
        var key = reader.IsDBNull(5) ? null : reader.GetFieldValue<byte[]>(5);
        // Without the key the person was forgotten: whatever they wrote is gone, and says so.
        var needs = key is null ? RevealedPersonalData.ErasedName
            : reader.IsDBNull(3) ? null
            : Sealing.Open(key, Purpose, id, NeedsField, reader.GetString(3));
        return new SurveyAnswerResponse(id, reader.GetDecimal(0), reader.GetString(1), reader.GetInt32(2), needs, reader.GetFieldValue<DateTimeOffset>(4));
    }

    private static async Task<IResult> SummaryAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            select means, count(*)::int, coalesce(round(avg(one_way_km), 1), 0), coalesce(round(avg(commuting_days_per_week), 1), 0)
            from membership.survey_answers group by rollup (means) order by means nulls last
            """);
        var byMeans = new List<SurveyMeansSummary>();
        var all = new SurveySummary(0, 0m, 0m, []);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (reader.IsDBNull(0))
                all = new SurveySummary(reader.GetInt32(1), reader.GetDecimal(2), reader.GetDecimal(3), []);
            else
                byMeans.Add(new SurveyMeansSummary(reader.GetString(0), reader.GetInt32(1), reader.GetDecimal(2), reader.GetDecimal(3)));
        }
        return TypedResults.Ok(all with { ByMeans = byMeans });
    }

    /// <summary>The person's purpose (<see cref="PersonalDataCipher"/>), with a field of its own.</summary>
    private const string Purpose = "allmende.membership.person";
}
