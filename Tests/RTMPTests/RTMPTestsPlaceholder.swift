import Testing

@Test func RTMPModuleBuilds() {
    #expect(Bool(true))
}
