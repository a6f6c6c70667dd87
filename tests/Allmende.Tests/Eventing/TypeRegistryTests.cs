using System.Text.Json.Nodes;
using Allmende.Eventing.Storage;

namespace Allmende.Tests.Eventing;

public sealed class TypeRegistryTests
{
    private sealed record SpaceBooked(string Room, int Attendees, DateTimeOffset From);

    private sealed record MemberJoined(string Organisation);

    private static TypeRegistry Registry() => new TypeRegistry().Register<SpaceBooked>("space-booked");

    [Fact]
    public void An_event_round_trips_through_its_stable_name()
    {
        var registry = Registry();
        var booked = new SpaceBooked("Seminarraum", 12, new DateTimeOffset(2026, 10, 25, 1, 30, 0, TimeSpan.FromHours(2)));

        var json = registry.Serialize(booked);
        var back = registry.Deserialize(registry.NameOf(typeof(SpaceBooked)), json);

        back.ShouldBe(booked);
        json.ShouldBe("""{"room":"Seminarraum","attendees":12,"from":"2026-10-25T01:30:00+02:00"}""");
    }

    [Fact]
    public void An_old_name_and_shape_is_upcast_to_the_current_type()
    {
        var registry = Registry()
            .Upcast("room-reserved", "space-booked-v2", old =>
            {
                old["room"] = old["roomName"]!.GetValue<string>();
                old.Remove("roomName");
                return old;
            })
            .Upcast("space-booked-v2", "space-booked", v2 =>
            {
                v2["attendees"] ??= JsonValue.Create(1);
                return v2;
            });

        var back = registry.Deserialize("room-reserved", """{"roomName":"Werkstatt","from":"2019-08-01T09:00:00+02:00"}""");

        back.ShouldBe(new SpaceBooked("Werkstatt", 1, new DateTimeOffset(2019, 8, 1, 9, 0, 0, TimeSpan.FromHours(2))));
        registry.TypeOf("room-reserved").ShouldBe(typeof(SpaceBooked));
    }

    [Fact]
    public void A_name_cannot_be_given_to_two_types_nor_a_type_two_names()
    {
        var registry = Registry();

        Should.Throw<InvalidOperationException>(() => registry.Register<MemberJoined>("space-booked"))
            .Message.ShouldContain("already taken");
        Should.Throw<InvalidOperationException>(() => registry.Register<SpaceBooked>("booked-again"))
            .Message.ShouldContain("already registered as 'space-booked'");
    }

    [Fact]
    public void Unknown_names_and_unregistered_types_fail_with_a_clear_message()
    {
        var registry = Registry();

        Should.Throw<UnknownTypeException>(() => registry.Deserialize("no-such-event", "{}")).Message
            .ShouldBe("No type is registered for the stored name 'no-such-event'.");
        Should.Throw<UnknownTypeException>(() => registry.NameOf(typeof(MemberJoined))).Message
            .ShouldContain("has no stored type name");
    }
}
