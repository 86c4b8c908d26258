import Testing

@Test func InteropModuleBuilds() {
    #expect(Bool(true))
}
