using Allmende.Funding.Allocation;
using Allmende.Funding.Grants;

namespace Allmende.Tests.Pilot;

/// <summary>A company pays its employees' desks itself (ADR 21): no grant pays a company's desk fees, whatever it covers; its other costs as before.</summary>
public sealed class CompanyDeskFeeTests
{
    private static readonly Guid Funder = Guid.Parse("0195a0b0-0000-7000-8000-00000000f101");
    private static readonly Guid GrantId = Guid.Parse("0195a0b0-0000-7000-8000-00000000e101");
    private static readonly Guid Company = Guid.Parse("0195a0b0-0000-7000-8000-00000000a101");
    private static readonly Guid Employee = Guid.Parse("0195a0b0-0000-7000-8000-00000000b101");
    private static readonly Guid Site = Guid.Parse("0195a0b0-0000-7000-8000-00000000c101");
    private static readonly Guid Desk = Guid.Parse("0195a0b0-0000-7000-8000-00000000d101");
    private static readonly DateTimeOffset Now = new(2027, 6, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly June = new(2027, 6, 1);

    // Covers everything, companies named among the kinds: the rule still holds.
    private static readonly Grant Generous = Grant.Evolve(Grant.Initial, new GrantAwarded(GrantId, Funder, "Region", "REF", 1_000_000, new DateOnly(2027, 1, 1),
        new DateOnly(2031, 12, 31), new Coverage([], [], [], [], false, CostTypes.All), 10_000, 1, null, Now));

    public static TheoryData<string, string, bool> Rows() => new()
    {
        { "flexible-desk plan", "company", false },
        { "fixed desk", "company", false },
        { "room booking", "company", true },
        { "flexible-desk plan", "association", true },
        { "fixed desk", "association", true },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void No_grant_pays_a_companys_desk_fees(string kind, string organisationKind, bool grantPays)
    {
        CostLine line = kind switch
        {
            "flexible-desk plan" => new(CostTypes.DeskFees, SourceKinds.FlexibleDeskPlan, Employee, Company, null, null, null, null, null, June, 0, 0, 30, 9_000, 9_000),
            "fixed desk" => new(CostTypes.DeskFees, SourceKinds.FixedDesk, Employee, Company, Site, Desk, null, null, null, June, 0, 0, 30, 9_000, 9_000),
            _ => new(CostTypes.RoomHours, SourceKinds.Booking, Employee, Company, Site, Desk, "local-economy", Now, Now.AddHours(1), new DateOnly(2027, 6, 14),
                60, 1, 0, 9_000, 9_000),
        };

        Allocator.Split(line, new OrganisationFacts(organisationKind, false), [Generous]).ShouldBe(grantPays
            ? [new Portion(Payers.Grant, GrantId, Funder, AllocationRules.Share, 9_000)]
            : [new Portion(Payers.Organisation, null, null, AllocationRules.NotCovered, 9_000)]);
    }
}
