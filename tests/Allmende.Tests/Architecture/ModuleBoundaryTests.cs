using System.Reflection;

namespace Allmende.Tests.Architecture;

/// <summary>
/// The modular monolith's rules, checked on the compiled assemblies: a module sees other modules only
/// through their Contracts, Contracts depend on nothing but the BCL, and a module shows the world
/// nothing but its entry class.
/// </summary>
public sealed class ModuleBoundaryTests
{
    private static readonly string[] Modules = ["Membership", "Spaces", "Bookings", "Funding"];

    private static Assembly Load(string name) => Assembly.Load(new AssemblyName(name));

    public static TheoryData<string> ModuleNames => [.. Modules];

    [Theory]
    [MemberData(nameof(ModuleNames))]
    public void A_module_references_only_the_event_store_and_other_modules_contracts(string module)
    {
        var references = Load($"Allmende.{module}").GetReferencedAssemblies().Select(a => a.Name!).Where(n => n.StartsWith("Allmende.", StringComparison.Ordinal));

        references.Where(n => n != "Allmende.Eventing" && !n.EndsWith(".Contracts", StringComparison.Ordinal)).ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(ModuleNames))]
    public void Contracts_depend_on_nothing_but_the_base_class_library(string module)
    {
        var references = Load($"Allmende.{module}.Contracts").GetReferencedAssemblies().Select(a => a.Name!);

        references.Where(n => !(n.StartsWith("System", StringComparison.Ordinal) || n is "netstandard" or "mscorlib")).ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(ModuleNames))]
    public void A_module_exposes_only_its_entry_class(string module)
    {
        var exposed = Load($"Allmende.{module}").GetExportedTypes().Select(t => t.FullName);

        exposed.ShouldBe([$"Allmende.{module}.{module}Module"]);
    }

    [Fact]
    public void The_event_store_knows_no_module()
    {
        typeof(Allmende.Eventing.Streams.EventStore).Assembly.GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(n => n.StartsWith("Allmende.", StringComparison.Ordinal))
            .ShouldBeEmpty();
    }
}
