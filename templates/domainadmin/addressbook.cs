<?cs # The group address book of a domain: its users (not editable here)
     and the entries kept here; adding, importing, exporting. ?>
<?cs include:"macros.cs" ?>
<?cs include:"addressbook-macros.cs" ?>
<?cs set:Page.Title = Lang.addressbook.title ?>
<?cs set:Page.Nav = "addressbook" ?>
<?cs include:"header.cs" ?>
<section class="home manage-folders" id="addressbook-page">
<?cs call:domain_bar() ?>
<?cs call:ab_notice() ?>
  <h1><?cs var:Lang.addressbook.title ?> <span class="count" id="total"><?cs var:List.Total ?></span></h1>
  <p><?cs var:Lang.addressbook.note ?></p>
  <form class="search" method="get" action="<?cs var:Page.Base ?>/addressbook" role="search" id="book-search">
    <input type="hidden" name="d" value="<?cs var:Domain.Name ?>">
    <input type="search" name="q" value="<?cs var:List.Q ?>" maxlength="200" placeholder="<?cs var:Lang.addressbook.search ?>" aria-label="<?cs var:Lang.addressbook.search ?>">
    <button type="submit"><?cs var:Lang.addressbook.search_button ?></button>
  </form>
<?cs def:sortlink(key) ?><a href="<?cs var:Page.Base ?>/addressbook?d=<?cs var:Domain.Enc ?>&amp;q=<?cs var:List.QEnc ?>&amp;sort=<?cs var:key ?>&amp;order=<?cs if:List.Sort == key && List.Order == "asc" ?>desc<?cs else ?>asc<?cs /if ?>"<?cs if:List.Sort == key ?> class="sorted <?cs var:List.Order ?>"<?cs /if ?>><?cs var:Lang.addressbook[key] ?></a><?cs /def ?>
  <table class="messages" id="book-table">
    <thead><tr>
      <th class="from"><?cs call:sortlink("name") ?></th>
      <th class="subject"><?cs call:sortlink("email") ?></th>
      <th class="size"><?cs var:Lang.addressbook.phones ?></th>
      <th class="from"><?cs call:sortlink("company") ?></th>
      <th class="from"><?cs call:sortlink("department") ?></th>
      <th class="date"></th>
    </tr></thead>
    <tbody>
<?cs each:b = Book ?>
      <tr data-kind="<?cs var:b.Kind ?>" data-id="<?cs var:b.Id ?>">
        <td class="from" title="<?cs var:b.Title ?>"><?cs var:b.Name ?><?cs if:b.Kind == "user" ?> <span class="tag"><?cs var:Lang.addressbook.user ?></span><?cs /if ?></td>
        <td class="subject"><?cs each:e = b.Emails ?><?cs var:e ?><br><?cs /each ?></td>
        <td class="size"><?cs each:p = b.Phones ?><?cs var:p ?><br><?cs /each ?></td>
        <td class="from"><?cs var:b.Company ?></td>
        <td class="from"><?cs var:b.Department ?></td>
        <td class="date"><?cs if:b.Kind == "contact" ?>
          <a href="<?cs var:Page.Base ?>/addressbook/edit?d=<?cs var:Domain.Enc ?>&amp;id=<?cs var:b.Id ?>"><?cs var:Lang.addressbook.edit ?></a>
          <form method="post" action="<?cs var:Page.Base ?>/addressbook/delete" class="rename">
            <?cs call:post_fields() ?>
            <input type="hidden" name="id" value="<?cs var:b.Id ?>">
            <button type="submit" class="danger"><?cs var:Lang.addressbook.delete ?></button>
          </form><?cs /if ?></td>
      </tr>
<?cs /each ?>
    </tbody>
  </table>
<?cs if:List.Total == 0 ?>
  <p class="empty" id="empty"><?cs var:Lang.addressbook.none ?></p>
<?cs /if ?>
<?cs def:pagelink(p, label) ?><a href="<?cs var:Page.Base ?>/addressbook?d=<?cs var:Domain.Enc ?>&amp;q=<?cs var:List.QEnc ?>&amp;sort=<?cs var:List.Sort ?>&amp;order=<?cs var:List.Order ?>&amp;page=<?cs var:p ?>"<?cs if:p == List.Page ?> aria-current="page"<?cs /if ?>><?cs var:label ?></a><?cs /def ?>
<?cs if:List.Pages > 1 ?>
  <nav class="pager" id="pager" aria-label="<?cs var:Lang.mail.pages ?>">
    <?cs call:pagelink(1, Lang.mail.first) ?>
<?cs if:List.Prev ?>    <?cs call:pagelink(List.Prev, Lang.mail.prev) ?><?cs /if ?>
<?cs each:p = List.Near ?>    <?cs call:pagelink(p, p) ?><?cs /each ?>
<?cs if:List.Next ?>    <?cs call:pagelink(List.Next, Lang.mail.next) ?><?cs /if ?>
    <?cs call:pagelink(List.Pages, Lang.mail.last) ?>
  </nav>
<?cs /if ?>

  <h2><?cs var:Lang.addressbook.add ?></h2>
<?cs call:ab_error("add") ?>
  <form method="post" action="<?cs var:Page.Base ?>/addressbook/new" class="create" id="contact-form">
    <?cs call:post_fields() ?>
<?cs call:ab_fields() ?>
    <button type="submit"><?cs var:Lang.addressbook.add_button ?></button>
  </form>
  <p class="hint"><?cs var:Lang.addressbook.emails_note ?></p>

  <h2><?cs var:Lang.addressbook.import.title ?></h2>
  <p><?cs var:Lang.addressbook.import.note ?></p>
<?cs call:ab_error("import") ?>
  <form method="post" action="<?cs var:Page.Base ?>/addressbook/import" enctype="multipart/form-data" class="create" id="import-form">
    <?cs call:post_fields() ?>
    <label><?cs var:Lang.addressbook.import.file ?> <input type="file" name="file" accept=".vcf,.csv,text/vcard,text/csv" required></label>
    <button type="submit"><?cs var:Lang.addressbook.import.button ?></button>
  </form>

  <h2><?cs var:Lang.addressbook.export.title ?></h2>
  <ul class="toolbar" id="export">
    <li><a href="<?cs var:Page.Base ?>/addressbook/export?d=<?cs var:Domain.Enc ?>&amp;format=vcf&amp;what=all" id="export-vcf"><?cs var:Lang.addressbook.export.vcf ?></a></li>
    <li><a href="<?cs var:Page.Base ?>/addressbook/export?d=<?cs var:Domain.Enc ?>&amp;format=csv&amp;what=all" id="export-csv"><?cs var:Lang.addressbook.export.csv ?></a></li>
    <li><a href="<?cs var:Page.Base ?>/addressbook/export?d=<?cs var:Domain.Enc ?>&amp;format=vcf&amp;what=contacts" id="export-vcf-contacts"><?cs var:Lang.addressbook.export.vcf_contacts ?></a></li>
    <li><a href="<?cs var:Page.Base ?>/addressbook/export?d=<?cs var:Domain.Enc ?>&amp;format=csv&amp;what=contacts" id="export-csv-contacts"><?cs var:Lang.addressbook.export.csv_contacts ?></a></li>
  </ul>
</section>
<?cs include:"footer.cs" ?>
