import Testing

@Test func TLSModuleBuilds() {
    #expect(Bool(true))
}
