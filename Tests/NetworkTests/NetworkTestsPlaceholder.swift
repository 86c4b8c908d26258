import Testing

@Test func NetworkModuleBuilds() {
    #expect(Bool(true))
}
