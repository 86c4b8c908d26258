import Testing

@Test func rtmpClientModuleBuilds() {
    #expect(Bool(true))
}
