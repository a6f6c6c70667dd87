namespace Allmende.Eventing.Api;

/// <summary>
/// A decision refused a command because of the state it met (the organisation is already ended,
/// the slot is taken): the host answers 409 naming the rule. Bad input is not this: validators
/// catch it before any decision and the host answers 400 naming the fields.
/// </summary>
public sealed class DomainException(string rule, string message) : Exception(message)
{
    /// <summary>A stable, machine-readable name of the rule, e.g. "organisation-not-active".</summary>
    public string Rule { get; } = rule;
}

/// <summary>The thing asked for does not exist (or the caller may not know it does): 404.</summary>
public sealed class NotFoundException(string what, object id) : Exception($"There is no {what} {id}.")
{
    public string What { get; } = what;
}

/// <summary>An update came without If-Match: 428, so that no client overwrites what it has not seen.</summary>
public sealed class PreconditionRequiredException()
    : Exception("This update needs an If-Match header with the ETag of the version you read (GET it first).");

/// <summary>A malformed header or query parameter: 400 naming it.</summary>
public sealed class BadInputException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}
