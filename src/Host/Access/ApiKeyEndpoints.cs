using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using FluentValidation;
using Npgsql;

namespace Allmende.Host.Access;

internal sealed record IssueApiKey(string Name, string Role, Guid? PersonId, Guid? FunderId, DateTimeOffset? ExpiresAt);

internal sealed record ApiKeyView(Guid KeyId, string Name, string Role, Guid? PersonId, Guid? FunderId,
    DateTimeOffset IssuedAt, string IssuedBy, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt);

/// <summary>The one response that carries the key itself: it is not stored and not shown again.</summary>
internal sealed record IssuedApiKey(string Key, ApiKeyView Details);

internal sealed record RevokeApiKey(string? Reason);

internal sealed class IssueApiKeyValidator : AbstractValidator<IssueApiKey>
{
    public IssueApiKeyValidator(TimeProvider time)
    {
        RuleFor(r => r.Name).NotEmpty().MaximumLength(200);
        RuleFor(r => r.Role).Must(Roles.All.Contains).WithMessage($"Role must be one of: {string.Join(", ", Roles.All)}.");
        RuleFor(r => r.PersonId).NotNull().When(r => r.Role == Roles.Member).WithMessage("A member key is bound to a person: personId is required.");
        RuleFor(r => r.FunderId).NotNull().When(r => r.Role == Roles.Funder).WithMessage("A funder key is bound to a funder: funderId is required.");
        RuleFor(r => r.FunderId).Null().When(r => r.Role != Roles.Funder).WithMessage("Only funder keys name a funder.");
        RuleFor(r => r.ExpiresAt).Must(at => at is null || at > time.GetUtcNow()).WithMessage("expiresAt must lie in the future.");
    }
}

internal static class ApiKeyEndpoints
{
    public static void Map(RouteGroupBuilder access)
    {
        var keys = access.MapGroup("/keys").RequireAuthorization(Policies.Staff);

        keys.MapPost("/", async (IssueApiKey request, HttpContext http, EventStore store, NpgsqlDataSource db, CancellationToken ct) =>
        {
            await PrincipalExistsAsync(request, store, db, ct);
            var (keyId, key, hash) = ApiKeyFormat.New();
            var metadata = http.EventMetadata();
            var issued = new ApiKeyIssued(keyId, request.Role, request.PersonId, request.FunderId, request.ExpiresAt);
            var uow = store.Begin(metadata);
            uow.StartStream("api-key", ApiKeyFormat.StreamId(keyId), issued);
            uow.Enlist(async (db, token) =>
            {
                await using var insert = db.Command("""
                    insert into access.api_keys (key_id, name, role, person_id, funder_id, secret_hash, issued_at, issued_by, expires_at)
                    values ($1, $2, $3, $4, $5, $6, now(), $7, $8)
                    """, keyId, request.Name.Trim(), issued.Role, issued.PersonId, issued.FunderId, hash, metadata.Actor, issued.ExpiresAt);
                await insert.ExecuteNonQueryAsync(token);
            });
            await uow.CommitAsync(ct);
            var view = await ViewAsync(http, keyId, ct);
            return Results.Created($"/api/access/keys/{keyId}", new IssuedApiKey(key, view));
        }).Validate<IssueApiKey>()
          .WithSummary("Issues an API key for a role (member keys name a person, funder keys a funder; both must exist, the person not forgotten); " +
                       "the key is shown only in this response")
          .Produces<IssuedApiKey>(StatusCodes.Status201Created)
          .ProducesValidationProblem();

        keys.MapGet("/", async (int? offset, int? limit, string? role, bool? includeRevoked, ApiKeyStore keyStore, CancellationToken ct) =>
        {
            var page = await keyStore.ListAsync(PageRequest.From(offset, limit), role, includeRevoked ?? false, ct);
            return new Page<ApiKeyView>(page.Items.Select(ToView).ToList(), page.Total, page.Offset, page.Limit);
        }).WithSummary("Issued keys (never their secrets)");

        keys.MapGet("/{keyId:guid}", (Guid keyId, HttpContext http, CancellationToken ct) => ViewAsync(http, keyId, ct))
            .WithSummary("One issued key").Produces<ApiKeyView>().ProducesProblem(StatusCodes.Status404NotFound);

        keys.MapPost("/{keyId:guid}/revoke", async (Guid keyId, RevokeApiKey? request, HttpContext http, EventStore store, ApiKeyStore keyStore, TimeProvider time, CancellationToken ct) =>
        {
            var key = await keyStore.FindAsync(keyId, ct) ?? throw new NotFoundException("API key", keyId);
            if (key.RevokedAt is null)
            {
                var stream = ApiKeyFormat.StreamId(keyId);
                var uow = store.Begin(http.EventMetadata());
                // At the version read: of two revokes at once one writes the event, the other finds it revoked.
                uow.Append(stream, await store.CurrentVersionAsync(stream, ct) ?? throw new NotFoundException("API key", keyId),
                    new ApiKeyRevoked(keyId, request?.Reason?.Trim() ?? "revoked"));
                uow.Enlist(async (db, token) =>
                {
                    await using var update = db.Command("update access.api_keys set revoked_at = $2 where key_id = $1 and revoked_at is null", keyId, time.GetUtcNow());
                    await update.ExecuteNonQueryAsync(token);
                });
                try
                {
                    await uow.CommitAsync(ct);
                }
                catch (ConcurrencyException)
                {
                    // revoked (or changed) meanwhile: the answer below shows the outcome
                }
            }
            return Results.Ok(await ViewAsync(http, keyId, ct)); // revoking twice changes nothing
        }).WithSummary("Revokes a key at once; tokens made from it stop working too").Produces<ApiKeyView>().ProducesProblem(StatusCodes.Status404NotFound);
    }

    /// <summary>
    /// Membership's and Funding's stream ids of a person and a funder (Person.StreamId, Funder.StreamId;
    /// AccessTests issues keys for real ones, so a renaming shows): the host may not reference the
    /// modules' internals, and a stream that exists is a principal that was registered. Forgotten people are access's own record, kept from Membership's PersonForgotten; a key
    /// issued in the moment before that message arrives is revoked by its handler with the person's others.
    /// </summary>
    private static string PersonStream(Guid personId) => $"person-{personId:D}";

    private static string FunderStream(Guid funderId) => $"funder-{funderId:D}";

    private static async Task PrincipalExistsAsync(IssueApiKey request, EventStore store, NpgsqlDataSource db, CancellationToken ct)
    {
        if (request.PersonId is { } person)
        {
            if (await store.CurrentVersionAsync(PersonStream(person), ct) is null)
                throw new BadInputException("personId", $"There is no person {person}.");
            await using var forgotten = db.CreateCommand("select exists (select 1 from access.forgotten_people where person_id = $1)");
            forgotten.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = person });
            if ((bool)(await forgotten.ExecuteScalarAsync(ct))!)
                throw new BadInputException("personId", $"Person {person} was forgotten: no key can act for them.");
        }
        if (request.FunderId is { } funder && await store.CurrentVersionAsync(FunderStream(funder), ct) is null)
            throw new BadInputException("funderId", $"There is no funder {funder}.");
    }

    private static async Task<ApiKeyView> ViewAsync(HttpContext http, Guid keyId, CancellationToken ct) =>
        ToView(await http.RequestServices.GetRequiredService<ApiKeyStore>().FindAsync(keyId, ct) ?? throw new NotFoundException("API key", keyId));

    private static ApiKeyView ToView(StoredKey k) =>
        new(k.KeyId, k.Name, k.Role, k.PersonId, k.FunderId, k.IssuedAt, k.IssuedBy, k.ExpiresAt, k.RevokedAt);
}
