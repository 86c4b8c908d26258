import Testing

@Test func AMFModuleBuilds() {
    #expect(Bool(true))
}
