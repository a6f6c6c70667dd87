using Allmende.Eventing.Messaging;
using Allmende.Membership.Contracts;
using Allmende.Spaces.Contracts;
using Microsoft.Extensions.Options;

namespace Allmende.Bookings.FixedDesks;

/// <summary>
/// Assignments react like bookings (Reactions/): a retired desk's assignments end, always; an ended or
/// suspended organisation's end as configured for its bookings ("cancel" ends them, "hold" keeps them for
/// staff). Each ends on the day before the Berlin date of the change, so the desk is free from that day on
/// (an assignment that had not begun then is withdrawn). One class, hence one delivery, per contract; a
/// redelivery changes nothing (<see cref="EndDeskAssignment.EndBy"/>).
/// </summary>
internal static class DeskAssignmentReactions
{
    public static async Task EndAsync(MessageContext context, string condition, object[] values, DateTimeOffset changedAt, string reason,
        TimeProvider time, CancellationToken ct)
    {
        var lastDay = DeskDays.Today(changedAt).AddDays(-1);
        await using var command = context.Database.Command($"""
            select assignment_id from bookings.desk_assignments where {condition} order by from_date, assignment_id
            """, [.. values, lastDay]);
        var ids = new List<Guid>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                ids.Add(reader.GetGuid(0));
        }
        foreach (var id in ids)
        {
            var current = await context.Work.LoadAsync<DeskAssignment>(DeskAssignment.StreamId(id), ct);
            if (current is null)
                continue;
            var events = EndDeskAssignment.EndBy(current.State, lastDay, reason, time.GetUtcNow());
            if (events.Count == 0)
                continue;
            context.Work.Append(current.StreamId, current.Version, events);
            DeskAssignmentWrites.Stage(context.Work, current.State, events);
        }
    }
}

/// <summary>A fixed desk retired: its assignments end (from the day of the retirement on).</summary>
internal sealed class SpaceRetiredDeskAssignments(TimeProvider time)
{
    public Task Handle(SpaceRetired message, MessageContext context, CancellationToken ct) =>
        DeskAssignmentReactions.EndAsync(context, "space_id = $1 and until_date > $2", [message.SpaceId], message.RetiredAt,
            string.IsNullOrWhiteSpace(message.Reason) ? "space retired" : $"space retired: {message.Reason}", time, ct);
}

/// <summary>An organisation ended: its assignments end when its bookings are cancelled (OnOrganisationEnded = cancel, the default).</summary>
internal sealed class OrganisationEndedDeskAssignments(IOptions<BookingsOptions> options, TimeProvider time)
{
    public Task Handle(OrganisationEnded message, MessageContext context, CancellationToken ct) =>
        options.Value.OnOrganisationEnded == BookingReaction.Cancel
            ? DeskAssignmentReactions.EndAsync(context, "organisation_id = $1 and until_date > $2", [message.OrganisationId], message.At,
                $"organisation ended: {message.Reason}", time, ct)
            : Task.CompletedTask;
}

/// <summary>An organisation suspended: its assignments end only when its bookings are cancelled (OnOrganisationSuspended = cancel; default hold).</summary>
internal sealed class OrganisationSuspendedDeskAssignments(IOptions<BookingsOptions> options, TimeProvider time)
{
    public Task Handle(OrganisationSuspended message, MessageContext context, CancellationToken ct) =>
        options.Value.OnOrganisationSuspended == BookingReaction.Cancel
            ? DeskAssignmentReactions.EndAsync(context, "organisation_id = $1 and until_date > $2", [message.OrganisationId], message.At,
                $"organisation suspended: {message.Reason}", time, ct)
            : Task.CompletedTask;
}
